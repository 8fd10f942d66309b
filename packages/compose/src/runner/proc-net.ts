import { readdir, readFile, readlink } from 'node:fs/promises'

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
    const text = raw.split('\0').filter(Boolean).join(' ')
    if (text) return text
  } catch {
    // fall through to comm
  }
  try {
    return (await readFile(`${procRoot}/${pid}/comm`, 'utf8')).trim()
  } catch {
    return 'unknown'
  }
}
