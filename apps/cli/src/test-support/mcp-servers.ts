// Two small MCP servers for the `build mcp` and `start --all` tests, written into a temp project (never
// shipped): `alpha` in TypeScript importing a local module, `beta` in JavaScript requiring a package from the
// project's node_modules. Both answer every HTTP request on PORT with "<MCP_SERVER_NAME> says ..." and stop
// on SIGTERM. No npm dependencies.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

export function writeExampleServers(root: string, ports: { alpha: number; beta: number }): void {
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  write(
    'services/mcp/alpha/package.json',
    JSON.stringify({
      name: 'alpha',
      type: 'module',
      main: 'src/main.ts',
      systemprompt: { port: ports.alpha },
    }),
  )
  write(
    'services/mcp/alpha/src/helper.ts',
    `export const greeting = (): string => 'hello from a local module'\n`,
  )
  write(
    'services/mcp/alpha/src/main.ts',
    `import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { greeting } from './helper.js'

const port: number = Number(process.env.PORT)
const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
  response.end(\`\${process.env.MCP_SERVER_NAME} says \${greeting()}\`)
})
server.listen(port, '127.0.0.1', () => console.log(\`alpha listening on \${port}\`))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
`,
  )
  write(
    'node_modules/tiny-greeting/package.json',
    JSON.stringify({ name: 'tiny-greeting', main: 'index.js' }),
  )
  write('node_modules/tiny-greeting/index.js', `module.exports = () => 'hello from a dependency'\n`)
  write(
    'services/mcp/beta/package.json',
    JSON.stringify({ name: 'beta', main: 'server.js', systemprompt: { port: ports.beta } }),
  )
  write(
    'services/mcp/beta/server.js',
    `const http = require('node:http')
const greeting = require('tiny-greeting')
http
  .createServer((request, response) => response.end(process.env.MCP_SERVER_NAME + ' says ' + greeting()))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.error('beta listening on ' + process.env.PORT))
`,
  )
}
