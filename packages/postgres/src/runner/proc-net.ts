import { readdir, readFile, readlink } from 'node:fs/promises'
import { basename } from 'node:path'

/**
 * Who listens on a TCP port, from Linux's /proc: /proc/net/tcp{,6} maps listening sockets to inodes,
 * /proc/<pid>/fd/* links (`socket:[inode]`) map inodes to processes. Processes of other users are not
 * readable unless we are root; then the PID stays unknown and the caller says so.
 */
export interface PortListener {
  pid: number
  command: string
}

const TCP_LISTEN = '0A'

/** Inodes of sockets listening on `port` (any address), from /proc/net/tcp and tcp6. */
export async function listeningInodes(port: number, procRoot = '/proc'): Promise<Set<string>> {
  const inodes = new Set<string>()
  for (const table of ['tcp', 'tcp6']) {
    let text: string
    try {
      text = await readFile(`${procRoot}/net/${table}`, 'utf8')
    } catch {
      continue
    }
    for (const inode of parseListeners(text, port)) inodes.add(inode)
  }
  return inodes
}

/** Parses a /proc/net/tcp table: lines `sl local_address rem_address st ... inode`. */
export function parseListeners(table: string, port: number): string[] {
  const found: string[] = []
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 10) continue
    const local = fields[1] ?? ''
    const state = fields[3]
    const inode = fields[9]
    const hexPort = local.split(':')[1]
    if (state !== TCP_LISTEN || !hexPort || !inode || inode === '0') continue
    if (Number.parseInt(hexPort, 16) === port) found.push(inode)
  }
  return found
}

/** The first process that holds one of the socket inodes, with its command line. */
export async function processHoldingSocket(
  inodes: Set<string>,
  procRoot = '/proc',
): Promise<PortListener | undefined> {
  if (inodes.size === 0) return undefined
  const targets = new Set([...inodes].map((inode) => `socket:[${inode}]`))
  let pids: string[]
  try {
    pids = (await readdir(procRoot)).filter((name) => /^\d+$/.test(name))
  } catch {
    return undefined
  }
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = await readdir(`${procRoot}/${pid}/fd`)
    } catch {
      continue // gone, or not ours to read
    }
    for (const fd of fds) {
      let link: string
      try {
        link = await readlink(`${procRoot}/${pid}/fd/${fd}`)
      } catch {
        continue
      }
      if (targets.has(link)) return { pid: Number(pid), command: await commandLine(pid, procRoot) }
    }
  }
  return undefined
}

async function commandLine(pid: string, procRoot: string): Promise<string> {
  try {
    const raw = await readFile(`${procRoot}/${pid}/cmdline`, 'utf8')
    const text = summarizeCommand(raw.split('\0').filter(Boolean))
    if (text) return text
  } catch {
    // fall through to comm
  }
  try {
    return oneLine((await readFile(`${procRoot}/${pid}/comm`, 'utf8')).trim())
  } catch {
    return 'unknown'
  }
}

/** Longest command shown in a message: enough to recognise the program, short enough for one line. */
const COMMAND_MAX_LENGTH = 80

/**
 * What a message shows of someone's command line: the program's base name (not its full path) and the
 * arguments, on one line, cut to COMMAND_MAX_LENGTH characters, with obvious secrets masked (the CLI masks
 * its output again; a holder's arguments are not ours to print in full).
 */
export function summarizeCommand(argv: string[], max = COMMAND_MAX_LENGTH): string {
  const [program, ...args] = argv
  if (!program) return ''
  const text = oneLine([basename(program), ...maskArguments(args)].join(' '))
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

const SECRET_NAME = /(pass(word|wd)?|secret|token|api[-_]?key|credential)/i
const MASK = '****'

function maskArguments(args: string[]): string[] {
  const out: string[] = []
  let maskNext = false
  for (const arg of args) {
    if (maskNext) {
      out.push(MASK)
      maskNext = false
      continue
    }
    // --password=x, PGPASSWORD=x
    const assignment = /^(-{0,2}[\w.-]+)=(.*)$/.exec(arg)
    if (assignment?.[1] && SECRET_NAME.test(assignment[1])) {
      out.push(`${assignment[1]}=${MASK}`)
      continue
    }
    // --password x
    if (/^--?[\w-]+$/.test(arg) && SECRET_NAME.test(arg)) maskNext = true
    // scheme://user:password@host
    out.push(arg.replace(/(\b[a-z][\w+.-]*:\/\/[^\s:/@]*:)[^\s@]*@/gi, `$1${MASK}@`))
  }
  return out
}

/** Control characters (newlines included) and runs of blanks become one space. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim()
}
