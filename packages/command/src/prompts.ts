// The interactive questions, loaded only when one is really asked (inquirer is heavy for a CLI's start), and only
// the prompts used: @inquirer/prompts would bring every prompt, the editor one with its encoding tables
// (iconv-lite, chardet: half a megabyte of the CLI bundle that every command reads).
import type confirm from '@inquirer/confirm'
import type input from '@inquirer/input'
import type password from '@inquirer/password'
import type select from '@inquirer/select'

export interface Prompts {
  confirm: typeof confirm
  input: typeof input
  password: typeof password
  select: typeof select
}

export async function loadPrompts(): Promise<Prompts> {
  return {
    confirm: (await import('@inquirer/confirm')).default,
    input: (await import('@inquirer/input')).default,
    password: (await import('@inquirer/password')).default,
    select: (await import('@inquirer/select')).default,
  }
}
