// RUN: mema-opt %s --split-input-file --mema-remarks --mema-schedule=weight:2x4 --pass-pipeline='builtin.module(mema-tile)' 2>&1 | FileCheck %s --check-prefix=WEIGHT
// RUN: mema-opt %s --split-input-file --mema-remarks --mema-schedule=input:3x4 --pass-pipeline='builtin.module(mema-tile)' 2>&1 | FileCheck %s --check-prefix=INPUT
// RUN: mema-opt %s --mema-schedule=weight:1x16 --emit=asm 2>&1 | FileCheck %s --check-prefix=ASM

// Weight-stationary, 2 rows of A by 4 k: per block of rows and k-slice one statement, whose
// prologue loads the block (int16 pairs, LDRD) and whose loop runs over B's 37 columns: C's two
// partial sums in, B's word split by SXTB16, four SMLADs, the sums out (C moves one column),
// B's pointer on to the next column (K = 70 bytes). K = 70 is not a multiple of 4: the last
// slice reads B's word that ends at K (offset -2 from its group) against A's copy of it with
// the overlap zeroed (@w__mema_weight_2, 11 rows x 18 groups x 4 int16).
// WEIGHT: remark: mema: 11x37x70 i8: weight-stationary, 2 rows of A x 4 k in registers while B's columns stream, partial sums through C once per k-slice (A pairs, B words), fixed search for cycles: 11718 loads, 7326 stores
// WEIGHT: memref.global "private" constant @w__mema_weight_2 : memref<792xi16>
// WEIGHT-LABEL: func.func @fc
// WEIGHT: affine.for %{{.*}} = 0 to 10 step 2 {
// WEIGHT: affine.for %{{.*}} = 0 to 17 {
// WEIGHT: llvm.inline_asm has_side_effects "ldrd $6, $7, [$5]\0A\09ldrd $8, $9, [$5, #8]\0A\091:\0A\09ldr $0, [$3]\0A\09ldr $1, [$3, #148]\0A\09ldr $10, [$2]\0A\09sxtb16 $5, $10\0A\09sxtb16 $10, $10, ror #8\0A\09smlad $0, $6, $5, $0\0A\09smlad $0, $7, $10, $0\0A\09smlad $1, $8, $5, $1\0A\09smlad $1, $9, $10, $1\0A\09str $1, [$3, #148]\0A\09str $0, [$3], #4\0A\09add $2, $2, #70\0A\09subs $4, $4, #1\0A\09bne 1b"
// WEIGHT: ldr $10, [$2, #-2]
// WEIGHT: } {mema.schedule = {{{.*}}kernel = "smlad-ws", kr = 4 : i64{{.*}}stationarity = "weight"}}
// The edge row (row 10) gets its own one-row statements.
// WEIGHT: llvm.inline_asm has_side_effects "ldrd $5, $6, [$4]\0A\091:\0A\09ldr $0, [$2]\0A\09ldr $7, [$1]

// Input-stationary, 3 columns of B by 4 k: the prologue loads and splits the block (one word
// per column, the columns K = 70 bytes apart), the loop runs over A's 11 rows (one LDRD of int16
// pairs per row), C's row of three partial sums in and out, A's and C's pointers on by a row
// (18 groups x 8 bytes of A's panel, 37 x 4 bytes of C). The last slice's B words end at K.
// INPUT: remark: mema: 11x37x70 i8: input-stationary, 3 columns of B x 4 k in registers while A's rows stream
// INPUT: memref.global "private" constant @w__mema_input_1 : memref<792xi16>
// INPUT: affine.for %{{.*}} = 0 to 36 step 3 {
// INPUT: affine.for %{{.*}} = 0 to 17 {
// INPUT: llvm.inline_asm has_side_effects "ldr $8, [$6]\0A\09sxtb16 $7, $8\0A\09sxtb16 $8, $8, ror #8\0A\09ldr $10, [$6, #70]
// INPUT-SAME: 1:\0A\09ldr $0, [$4]\0A\09ldr $1, [$4, #4]\0A\09ldr $2, [$4, #8]\0A\09ldrd $6, $13, [$3]\0A\09smlad $0, $7, $6, $0\0A\09smlad $0, $8, $13, $0
// INPUT-SAME: str $2, [$4, #8]\0A\09add $3, $3, #144\0A\09add $4, $4, #148\0A\09subs $5, $5, #1\0A\09bne 1b"
// INPUT: llvm.inline_asm has_side_effects "ldr $8, [$6, #-2]
// INPUT: } {mema.schedule = {{{.*}}kernel = "smlad-is", kr = 4 : i64{{.*}}stationarity = "input"}}

// The object's inner loop (llc keeps the statement as written): one LDR of B, two SXTB16, four
// SMLAD pairs... with 1 row x 16 k: four B words per column, eight SMLADs.
// ASM-LABEL: fc:
// ASM: ldrd
// ASM: .Ltmp{{[0-9]+}}:
// ASM-COUNT-4: sxtb16 {{.*}}, ror #8
// ASM: str {{.*}}, #4
// ASM: bne .Ltmp
func.func @fc(%B: memref<37x70xi8>, %C: memref<11x37xi32>) {
  %w = memref.get_global @w : memref<11x70xi8>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    ins(%w, %B : memref<11x70xi8>, memref<37x70xi8>) outs(%C : memref<11x37xi32>)
  return
}
memref.global "private" constant @w : memref<11x70xi8> = dense<3>
