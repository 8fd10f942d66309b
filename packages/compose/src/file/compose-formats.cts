// The Compose Specification's own string formats (ajv knows none of them), with the rules Compose documents.
// CommonJS on purpose: the validator generated at build time (scripts/compile-validator.mjs, ajv standalone
// code) is a CommonJS module that requires this file next to it in dist/file/.

/** `[[ip:]host[-range]:]container[-range][/proto]`, ip may be a bracketed IPv6 address. */
function isPortMapping(value: string): boolean {
  const match =
    /^(?:(?:(\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d+(?:-\d+)?)?:)?(\d+(?:-\d+)?)(?:\/(?:tcp|udp|sctp))?$/.exec(
      value,
    )
  return match !== null && portNumbersInRange(`${match[2] ?? ''} ${match[3] ?? ''}`)
}

function portNumbersInRange(text: string): boolean {
  return (text.match(/\d+/g) ?? []).every((n) => Number(n) >= 1 && Number(n) <= 65535)
}

const composeFormats: Record<string, (value: string) => boolean> = {
  duration: (value) => /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value),
  ports: isPortMapping,
  expose: (value) => /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(value) && portNumbersInRange(value),
  subnet_ip_address: (value) => /^[0-9a-fA-F.:]+\/\d{1,3}$/.test(value),
}

export = composeFormats
