// Every tool's --help prints and exits 0 (argparse formats help strings: a stray % in one is a
// traceback for the user).
// RUN: mema-opt --help | FileCheck %s --check-prefix=OPT
// RUN: mema-run --help | FileCheck %s --check-prefix=EMU
// RUN: mema-import --help | FileCheck %s --check-prefix=IMPORT
// OPT: usage: mema-opt
// OPT: --mema-llvm-opt {none,O2}
// OPT: est. cycles, +20% code)
// EMU: usage: mema-run
// IMPORT: usage: mema-import
