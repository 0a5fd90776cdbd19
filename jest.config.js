// Three projects, chosen by file suffix:
//   *.spec.ts      unit tests (may stub doors; no servers)
//   *.int.spec.ts  integration tests against the real local stack (scripts/stack up)
//   *.e2e.spec.ts  end-to-end tests: the four services as processes over real Kafka
//   *.fault.spec.ts the fault suite (npm run test:faults; CI runs its short form)
//   *.soak.spec.ts  the soak (npm run test:soak): scheduled runs for a while, memory sampled
//   *.scaleout.spec.ts against HDFS, a Spark cluster, a Kafka cluster (npm run test:scaleout)
// Type-checking is `npm run typecheck`'s job; jest only transpiles (tsconfig.jest.json).
const common = {
  testEnvironment: 'node',
  moduleNameMapper: { '^@dataops/(.*)$': '<rootDir>/libs/$1/src' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.dataops/'],
};
const slow = { setupFilesAfterEnv: ['<rootDir>/test/setup/slow-timeout.ts'] };
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testRegex: '(?<!\\.int|\\.e2e|\\.fault|\\.soak|\\.scaleout)\\.spec\\.ts$' },
    { ...common, ...slow, displayName: 'integration', testRegex: '\\.int\\.spec\\.ts$' },
    { ...common, ...slow, displayName: 'e2e', testRegex: '\\.e2e\\.spec\\.ts$' },
    { ...common, ...slow, displayName: 'faults', testRegex: '\\.fault\\.spec\\.ts$' },
    { ...common, ...slow, displayName: 'soak', testRegex: '\\.soak\\.spec\\.ts$' },
    { ...common, ...slow, displayName: 'scaleout', testRegex: '\\.scaleout\\.spec\\.ts$' },
  ],
};
