"""Checks ptxas's report (nvcc -Xptxas -v) on a file of CUDA kernels: every `__global__`
function of the file was compiled for the architecture, and none spills registers.

    ptxas_report.py kernels.cu ptxas.log sm_90

Prints `N functions for L launches, N compiled for sm_90, 0 spill`; exits 1 naming what is missing or
spills.
"""
import re
import sys


def main(source, log, arch):
    text = open(source).read()
    functions = set(re.findall(r'extern "C" __global__ void __launch_bounds__\(\d+\) (\w+)\(',
                               text))
    launches = sum(line.count("<<<") for line in text.splitlines() if " launches:" in line)
    compiled, spills, current = set(), [], None
    for line in open(log):
        entry = re.search(r"Compiling entry function '(\w+)' for '(\w+)'", line)
        if entry:
            current = entry.group(1) if entry.group(2) == arch else None
            if current:
                compiled.add(current)
            continue
        spill = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if spill and current and (int(spill.group(1)) or int(spill.group(2))):
            spills.append(f"{current}: {line.strip()}")
    missing = sorted(functions - compiled)
    print(f"{len(functions)} functions for {launches} launches, "
          f"{len(compiled & functions)} compiled for {arch}, {len(spills)} spill")
    for name in missing[:20]:
        print(f"not compiled: {name}")
    for s in spills[:20]:
        print(f"spills: {s}")
    return 1 if missing or spills or not functions else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
