# lit configuration for the simclr regression tests.
import os
import shutil
import subprocess

import lit.formats

config.name = "simclr"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "unit", "bench", "fuzz", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.simclr_obj_root, "test")

# Our tools first, then LLVM's (FileCheck, not, split-file).
config.environment["PATH"] = os.pathsep.join(
    [config.simclr_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.substitutions.append(("%examples", os.path.join(config.simclr_src_root, "examples")))
config.substitutions.append(("%srcroot", config.simclr_src_root))
# Debian's interpreter, which sees Debian's python3-torch (a pyenv python3 on PATH may not).
config.substitutions.append(("%python", config.debian_python))
config.substitutions.append(("%builddir", config.simclr_obj_root))
# Data-parallel runs (docs/DISTRIBUTED.md): 2 ranks of one OpenMP thread each on this
# machine's cores, allowed as root (CI runs as root).
config.environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
config.environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
for name in ("HOME", "TMPDIR"):
    if name in os.environ:
        config.environment[name] = os.environ[name]
config.substitutions.append(
    ("%mpirun", "mpirun --oversubscribe --bind-to none -x OMP_NUM_THREADS=1"))

# A build with ASan + UBSan (SIMCLR_SANITIZE): tests that cannot hold there say
# `UNSUPPORTED: sanitized`, and the tools learn that they are sanitized.
if config.sanitized:
    config.available_features.add("sanitized")
    config.environment["SIMCLR_SANITIZED"] = "1"

# The CUDA target: `nvcc` where the toolkit is (test/Cuda/nvcc.test), `cuda-device` where
# libsimclr_cuda.so was built, `gpu` where a GPU can run it (nvidia-smi lists one).
if config.nvcc and os.path.exists(config.nvcc):
    config.available_features.add("nvcc")
    config.substitutions.append(("%nvcc", config.nvcc))
if config.cuda_device:
    config.available_features.add("cuda-device")
if shutil.which("nvidia-smi"):
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
        if listed.returncode == 0 and "GPU" in listed.stdout:
            config.available_features.add("gpu")
    except (OSError, subprocess.SubprocessError):
        pass
