// How a job process is started (setpriv, its own process group) and the Python process started
// ahead of a job. Kept apart from libs/spark and free of the config's modules, so that the CLI can
// start a Python process first thing, before it loads anything else (apps/cli/src/early-python.ts).
export * from './job-process';
export * from './jobs-dir';
export * from './python-spare';
