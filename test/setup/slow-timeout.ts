// Integration and end-to-end tests start Spark jobs and services: give them minutes, not seconds.
jest.setTimeout(Number(process.env.DATAOPS_TEST_TIMEOUT_MS ?? 600_000));
