import { mayRunPythonJob } from './early-python';

describe('early Python: which commands start the job process before the CLI loads', () => {
  it('starts it for dataops run with every stage, or with ingest or export among --stages', () => {
    expect(mayRunPythonJob(['run', 'retail', '-c', 'dataops.yaml'])).toBe(true);
    expect(mayRunPythonJob(['-c', 'dataops.yaml', 'run', 'retail', '--stages', 'ingest'])).toBe(true);
    expect(mayRunPythonJob(['run', 'retail', '--stages', 'transform,export'])).toBe(true);
  });

  it('does not for a run of transform alone, nor for other commands', () => {
    expect(mayRunPythonJob(['run', 'retail', '--stages', 'transform'])).toBe(false);
    expect(mayRunPythonJob(['validate', '-c', 'dataops.yaml'])).toBe(false);
    expect(mayRunPythonJob(['runs', '--limit', '3'])).toBe(false);
    expect(mayRunPythonJob(['trigger', 'retail', '--wait'])).toBe(false);
  });
});
