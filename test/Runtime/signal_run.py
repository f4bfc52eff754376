"""signal_run.py LOG SIGNAL COMMAND...: runs COMMAND, sends it SIGNAL (TERM or INT) once
LOG holds two steps, and exits with the command's exit status (as a shell reports it:
128 + a signal that ended it). A real signal from outside, where the tests' hooks raise
it from inside (signals.test)."""
import os
import signal
import subprocess
import sys
import time

log, name, command = sys.argv[1], sys.argv[2], sys.argv[3:]
process = subprocess.Popen(command)
deadline = time.time() + 120
while time.time() < deadline and process.poll() is None:
    if os.path.exists(log) and sum(1 for _ in open(log)) >= 2:
        process.send_signal(getattr(signal, "SIG" + name))
        break
    time.sleep(0.05)
try:
    code = process.wait(timeout=120)
except subprocess.TimeoutExpired:
    process.kill()
    sys.exit("the run did not stop within 120 s of the signal")
sys.exit(128 - code if code < 0 else code)
