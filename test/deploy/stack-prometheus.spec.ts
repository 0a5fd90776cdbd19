import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// ensure_prometheus (scripts/stack.d/80-prometheus.sh) with stub commands: apt-get, update-rc.d,
// pgrep and the package's init script record what they are asked, so the test sees whether the
// package is installed only when missing, with the service kept from starting and then disabled.
const root = join(__dirname, '..', '..');

interface Sandbox {
  dir: string;
  bin: string;
  log: string;
  policy: string;
  init: string;
}

function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'dataops-ensure-prometheus-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'calls.log');
  const policy = join(dir, 'policy-rc.d');
  const init = join(dir, 'init.d-prometheus');
  // only these external commands exist on PATH: a real promtool elsewhere must not be found
  for (const tool of ['chmod', 'rm', 'cat']) symlinkSync(`/bin/${tool}`, join(bin, tool));
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub(
    'apt-get',
    `echo "apt-get $* policy=$([ -x '${policy}' ] && '${policy}'; echo $?)" >> '${log}'
case " $* " in *" install "*)
  printf '#!/bin/bash\\necho "promtool, version 2.42.0"\\n' > '${bin}/promtool'; /bin/chmod 755 '${bin}/promtool'
  printf '#!/bin/bash\\n' > '${bin}/prometheus'; /bin/chmod 755 '${bin}/prometheus'
  printf '#!/bin/bash\\necho "init.d $*" >> ${log}\\n' > '${init}'; /bin/chmod 755 '${init}' ;;
esac`,
  );
  stub('update-rc.d', `echo "update-rc.d $*" >> '${log}'`);
  stub('pgrep', `echo "pgrep $*" >> '${log}'`);
  return { dir, bin, log, policy, init };
}

function ensure(box: Sandbox): { status: number; output: string; calls: string[] } {
  const script = `set -euo pipefail
    DATAOPS_HOME="$1"; STACK="$DATAOPS_HOME/stack"; RUN="$DATAOPS_HOME/run"; LOGS="$DATAOPS_HOME/logs"
    source "$2/scripts/stack.d/00-common.sh"
    source "$2/scripts/stack.d/80-prometheus.sh"
    ensure_prometheus`;
  const result = spawnSync('/bin/bash', ['-c', script, 'test', box.dir, root], {
    encoding: 'utf8',
    env: { PATH: box.bin, PROM_POLICY_RC: box.policy, PROM_INIT_SCRIPT: box.init, HOME: box.dir },
  });
  const calls = existsSync(box.log) ? readFileSync(box.log, 'utf8').trim().split('\n') : [];
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}`, calls };
}

describe('ensure_prometheus (scripts/stack.d/80-prometheus.sh)', () => {
  it('installs the Debian package when promtool is missing, with the service kept from starting, then disabled', () => {
    const box = sandbox();
    try {
      const { status, output, calls } = ensure(box);
      expect(output).toContain('installing Debian package: prometheus');
      expect(status).toBe(0);
      // policy-rc.d answered 101 (no service starts) during both apt-get runs
      expect(calls[0]).toMatch(/^apt-get .*update -qq policy=101$/);
      expect(calls[1]).toMatch(/^apt-get .*install -y -qq --no-install-recommends prometheus policy=101$/);
      // whatever the package started is stopped and taken out of the boot sequence
      expect(calls).toEqual(expect.arrayContaining(['init.d stop', 'update-rc.d prometheus disable', 'pgrep -u prometheus -x prometheus']));
      // the policy file it wrote for the install is gone
      expect(existsSync(box.policy)).toBe(false);
    } finally {
      rmSync(box.dir, { recursive: true, force: true });
    }
  });

  it('leaves an existing policy-rc.d alone', () => {
    const box = sandbox();
    try {
      writeFileSync(box.policy, '#!/bin/sh\nexit 101\n');
      chmodSync(box.policy, 0o755);
      const { status } = ensure(box);
      expect(status).toBe(0);
      expect(readFileSync(box.policy, 'utf8')).toBe('#!/bin/sh\nexit 101\n');
    } finally {
      rmSync(box.dir, { recursive: true, force: true });
    }
  });

  it('does nothing when promtool and prometheus are there', () => {
    const box = sandbox();
    try {
      for (const tool of ['promtool', 'prometheus']) {
        writeFileSync(join(box.bin, tool), '#!/bin/bash\n');
        chmodSync(join(box.bin, tool), 0o755);
      }
      const { status, calls } = ensure(box);
      expect(status).toBe(0);
      expect(calls).toEqual([]);
    } finally {
      rmSync(box.dir, { recursive: true, force: true });
    }
  });

  it('fails with a clear message when apt-get fails, and still removes its policy-rc.d', () => {
    const box = sandbox();
    try {
      writeFileSync(join(box.bin, 'apt-get'), '#!/bin/bash\nexit 100\n');
      const { status, output } = ensure(box);
      expect(status).toBe(1);
      expect(output).toContain('error: apt-get could not install prometheus');
      expect(existsSync(box.policy)).toBe(false);
    } finally {
      rmSync(box.dir, { recursive: true, force: true });
    }
  });
});
