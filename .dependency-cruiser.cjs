// The package graph as enforced by `pnpm lint` (ARCHITECTURE.md, "Dependency direction").
// Workspace imports resolve through node_modules symlinks to packages/<name>/..., so rules match on paths.
const allowed = {
  config: [],
  engine: ['config'],
  pg: ['config'],
  compose: ['config'],
  dockerfile: ['config'],
  scaffold: ['config', 'dockerfile'],
  postgres: ['config', 'engine', 'pg', 'compose'],
  registry: ['config', 'engine', 'pg', 'compose', 'postgres', 'dockerfile'],
  runtime: ['config', 'pg'],
  build: ['config'],
  image: ['config', 'engine', 'pg', 'postgres', 'dockerfile', 'build'],
  deploy: ['config', 'engine', 'dockerfile', 'build', 'image'],
  command: ['config'],
}
const all = Object.keys(allowed)

const direction = Object.entries(allowed).map(([pkg, deps]) => {
  const forbiddenTargets = all.filter((p) => p !== pkg && !deps.includes(p))
  return {
    name: `direction-${pkg}`,
    comment: `packages/${pkg} may import only: ${deps.length ? deps.join(', ') : 'nothing of ours'}`,
    severity: 'error',
    from: { path: `^packages/${pkg}/` },
    to: { path: `^packages/(${forbiddenTargets.join('|') || 'none-at-all'})/` },
  }
})

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, not even type-only ones',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'packages-never-import-the-cli',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-tooling-in-production-code',
      comment: 'test kits and test beds only from tests',
      severity: 'error',
      from: { path: '^(packages|apps)/[^/]+/src/', pathNot: '(\\.test\\.ts$|/test-support/|test-support\\.ts$)' },
      to: { path: '^tooling/' },
    },
    ...direction,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    preserveSymlinks: false,
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
  },
}
