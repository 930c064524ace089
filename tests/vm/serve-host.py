#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""serve-host.py - the host side of the served-function VM tests.

    serve-host.py --vpci VPCI --out OUT --set short|all -- QEMU [ARGS...]

Prepares the instances to serve in OUT/serve/ (the examples `vpci serve
--check` accepts, and for --set all guest files derived with `vpci derive
--dump` from the corpus entries listed in serve-corpus.txt), creates one
socket pair per instance, starts `vpci serve --fd A FILE ...` on one end
(log: OUT/vpci-serve.log, config spaces: OUT/serve/state/NAME.bin) and runs QEMU
with `-device x-pci-proxy-dev,fd=B` on the other, at fixed slots of pcie.0.
The guest finds the functions in OUT/served.tsv (address, name, file).
Exits with QEMU's status once QEMU and the server have ended.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
# free slots of run.sh's machine: 02-05 root ports, 10 virtio-9p, 1f ICH9
SLOTS = [s for s in range(0x06, 0x1f) if s != 0x10]
SHORT = ['examples/nvme.yaml']


def say(msg):
    print('[serve-host] ' + msg, file=sys.stderr, flush=True)


def prepare(vpci, outdir, which):
    """Instance files to serve, and the host-side checks' lines."""
    files, notes = [], []
    os.makedirs(outdir, exist_ok=True)
    corpus = os.environ.get('VPCI_CORPUS') or os.path.join(REPO, '..', 'shared', 'corpus')
    if which == 'short':
        wanted = SHORT
    else:
        wanted = sorted('examples/' + f for f in os.listdir(os.path.join(REPO, 'examples'))
                        if f.endswith('.yaml'))
        with open(os.path.join(HERE, 'serve-corpus.txt'), encoding='utf-8') as fp:
            wanted += ['corpus:' + l.strip() for l in fp if l.strip() and not l.startswith('#')]
    # every example beside the served ones: a virtual PF names its VF
    # template file relative to itself
    exdir = os.path.join(REPO, 'examples')
    for f in os.listdir(exdir):
        if f.endswith('.yaml'):
            shutil.copyfile(os.path.join(exdir, f), os.path.join(outdir, f))
    for w in wanted:
        if w.startswith('corpus:'):
            src = os.path.join(corpus, w[7:])
            if not os.path.isfile(src):
                notes.append('skip corpus entry %s: no corpus at %s' % (w[7:], corpus))
                continue
            # named VVVV-DDDD (the file name's first part) when that is unique
            base = os.path.basename(src).rsplit('.', 1)[0]
            short = base.split('_', 1)[0]
            dst = os.path.join(outdir, (short if not os.path.exists(os.path.join(outdir, short + '.yaml'))
                                        else base) + '.yaml')
            r = subprocess.run([vpci, 'derive', '-q', '--dump', src, '-o', dst],
                               capture_output=True, text=True, check=False)
            if r.returncode:
                notes.append('FAIL derive %s: %s' % (w[7:], r.stderr.strip()))
                continue
        else:
            dst = os.path.join(outdir, os.path.basename(w))
        r = subprocess.run([vpci, 'serve', '--check', dst], capture_output=True, text=True, check=False)
        if r.returncode == 0:
            files.append(dst)
        else:
            # the proxy cannot take it: the refusal must say why
            why = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''
            if r.returncode == 65 and 'bridge' in why:
                notes.append('ok   %s refused by vpci serve --check (exit 65): %s'
                             % (os.path.basename(w), why.split('error: ', 1)[-1][:100]))
            else:
                notes.append('FAIL %s: vpci serve --check exit %d: %s' % (w, r.returncode, why))
    return files, notes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vpci', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--set', choices=['short', 'all'], default='short')
    ap.add_argument('qemu', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    qemu = a.qemu[1:] if a.qemu[:1] == ['--'] else a.qemu
    out = os.path.abspath(a.out)
    sdir = os.path.join(out, 'serve')
    shutil.rmtree(sdir, ignore_errors=True)
    files, notes = prepare(a.vpci, sdir, a.set)
    files = files[:len(SLOTS)]
    os.makedirs(os.path.join(sdir, 'state'))
    with open(os.path.join(out, 'serve-host.txt'), 'w', encoding='utf-8') as fp:
        fp.write(''.join(n + '\n' for n in notes))

    pairs = [socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM) for _ in files]
    cmd = [a.vpci, 'serve', '--dump-dir', os.path.join(sdir, 'state')]
    for (mine, _), f in zip(pairs, files):
        cmd += ['--fd', str(mine.fileno()), f]
    log = open(os.path.join(out, 'vpci-serve.log'), 'w', encoding='utf-8')
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                              pass_fds=[m.fileno() for m, _ in pairs])
    for mine, _ in pairs:
        mine.close()
    # the names the server gives (FILE's base name), from its first lines
    names = {}
    deadline = time.time() + 20
    while len(names) < len(files) and time.time() < deadline and server.poll() is None:
        with open(os.path.join(out, 'vpci-serve.log'), encoding='utf-8') as fp:
            for line in fp:
                p = line.split()
                if len(p) >= 5 and p[1] == 'serving' and p[3] == 'on':
                    names[p[2]] = p[0].rstrip(':')
        time.sleep(0.05)
    if len(names) < len(files):
        say('vpci serve did not start (exit %s):' % server.poll())
        with open(os.path.join(out, 'vpci-serve.log'), encoding='utf-8') as fp:
            sys.stderr.write(fp.read())
        server.kill()
        return 1
    devs = []
    with open(os.path.join(out, 'served.tsv'), 'w', encoding='utf-8') as fp:
        for i, ((_, theirs), f) in enumerate(zip(pairs, files)):
            slot = SLOTS[i]
            fp.write('0000:00:%02x.0\t%s\t%s\n' % (slot, names[f], os.path.relpath(f, out)))
            devs += ['-device', 'x-pci-proxy-dev,id=vpci%d,fd=%d,bus=pcie.0,addr=0x%02x'
                     % (i, theirs.fileno(), slot)]
    say('serving %d functions: %s' % (len(files), ' '.join(names[f] for f in files)))

    vm = subprocess.Popen(qemu + devs, pass_fds=[t.fileno() for _, t in pairs])
    for _, theirs in pairs:
        theirs.close()

    def stop(sig, frame):
        # stopped from outside (run.sh's timeout): record where the server
        # and QEMU's threads wait, to tell a lost answer from a stuck QEMU
        with open(os.path.join(out, 'stopped.txt'), 'w', encoding='utf-8') as fp:
            for what, pid in (('vpci serve', server.pid), ('qemu', vm.pid)):
                tasks = '/proc/%d/task' % pid
                for t in sorted(os.listdir(tasks)) if os.path.isdir(tasks) else []:
                    try:
                        with open('%s/%s/comm' % (tasks, t)) as c, open('%s/%s/wchan' % (tasks, t)) as w:
                            fp.write('%s %s %s: %s\n' % (what, t, c.read().strip(), w.read().strip()))
                    except OSError:
                        pass
        vm.send_signal(signal.SIGTERM)
        server.send_signal(signal.SIGTERM)
        sys.exit(128 + sig)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    rc = vm.wait()
    try:
        src = server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        say('vpci serve still running 20 s after QEMU ended: stopped')
        server.send_signal(signal.SIGTERM)
        src = server.wait()
    with open(os.path.join(out, 'serve.status'), 'w', encoding='utf-8') as fp:
        fp.write('%d\n' % src)
    if src:
        say('vpci serve exited %d' % src)
    return rc


if __name__ == '__main__':
    sys.exit(main())
