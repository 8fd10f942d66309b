import { ErrorCode, SystempromptError } from '@systemprompt/config'

export function tenantNotFound(name: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.TENANT_NOT_FOUND,
    category: 'user',
    message: `Tenant ${JSON.stringify(name)} does not exist in this project`,
    fix: 'List tenants with `systemprompt cloud tenant list`',
  })
}

export function tenantExists(name: string): SystempromptError {
  return new SystempromptError({
    code: ErrorCode.TENANT_EXISTS,
    category: 'conflict',
    message: `Tenant ${JSON.stringify(name)} already exists`,
    fix: 'Pick another name, or delete it first with `systemprompt cloud tenant delete`',
  })
}

export function usage(message: string, fix: string): SystempromptError {
  return new SystempromptError({ code: ErrorCode.USAGE, category: 'usage', message, fix })
}
