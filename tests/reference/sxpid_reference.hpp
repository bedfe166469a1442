#pragma once
// Reference values for the I^sx (shared-exclusion) PID of Makkeh, Gutknecht & Wibral,
// Phys. Rev. E 103, 032149 (2021). Test data only: numeric test vectors transcribed by hand/script
// from two public test suites; no code from those projects is reproduced here.
//
// Block 1: sxpid_gates()
//   Source: Abzinger/SxPID, file testing/test_gates.py,
//           commit 55046f3cee8cac48aef1b02eb00053159ebbaba1 (HEAD, 2023-05-10).
//   Each gate_case is one active test_*_gate() function. `p` is the gate's pdf dict entry
//   {(s1,s2[,s3],t): p}; `atoms` is `true_values[rlz]`, i.e. the pointwise *total* atoms
//   pi = pi^+ - pi^- (validate() compares against ptw[rlz][alpha][2]), in the order of the
//   file's `lattices` dict ("old lattice order"):
//     n=2: {1},{2},{1,2},{1}{2}
//     n=3: {1},{2},{3},{1,2},{1,3},{2,3},{1,2,3},{1}{2},{1}{3},{1}{2,3},{2}{3},{2}{1,3},
//          {3}{1,2},{1,2}{1,3},{1,2}{2,3},{1,3}{2,3},{1}{2}{3},{1,2}{1,3}{2,3}
//   Rows are listed in the insertion order of the pdf dict. Labels of every variable are mapped
//   to 0,1,2,... in order of first appearance in that gate's pdf dict (sources and target
//   separately); where this is not the identity the original mapping is given per gate.
//   Expressions are kept as the source states them (log2(a/b) -> std::log2(a.0 / b.0)).
//   Transcribed (all 20 active test functions): 16 two-source gates (XOR, AND, UNQ, RND, COPY,
//   S1XOR, S2XOR, PWUNQ, RNDERR, RNDUNQXOR, SUM, REDUCEDOR, RNDXOR, WB_A, WB_B, WB_C) and
//   4 three-source gates (TRIHASH, TRIRND, DBLXOR, XORCOPY).
//   Skipped (the whole function is commented out with '#' in the source, so pytest never runs it):
//     test_xorloss_gate, test_xordup_gate, test_anddup_gate, test_xormulticoal_gate.
//     Besides being disabled, their true_values are visibly placeholders (every row of all four
//     is the same copy-pasted 18-vector log2(5/6), log2(5/4), log2(6/5), ...), and
//     test_xormulticoal_gate would not even parse (a bare "T = x_1 Xor x_2, Xor x_3" line).
//
// Block 2: idtxl_averaged()
//   Source: pwollstadt/IDTxl, file test/test_estimators_multivariate_pid.py,
//           at commit d78480d14d6e7c62597e0935d9ce7d6cc2238611 (HEAD, master, 2025-04-25); the
//           file was last changed in commit a91e649dd9148d3c9e40574f083491f018cc4880.
//   The published numbers are kept verbatim as decimal literals (exact closed forms in comments).
//   Their tests use np.isclose(expected, estimate[, atol]) i.e.
//     |expected - estimate| <= atol + rtol * |estimate|, rtol = 1e-5 (numpy default),
//   atol = 1e-8 (numpy default) unless the test passes another atol. `tolerance` below is that
//   atol; the implicit rtol = 1e-5 is noted in `source`.
//   Other SxPID numbers in IDTxl that are NOT turned into averaged_case entries:
//    * test_pointwise_pid_and (same file) asserts pointwise shared pi({1}{2}) for AND
//      (X=[0,0,1,1], Y=[0,1,0,1], T=X AND Y, uniform):
//        (0,0,0): 0.4150374992788438  (= log2(4/3))     (0,1,0): -0.16992500144231237 (= log2(8/9))
//        (1,0,0): -0.16992500144231237 (= log2(8/9))    (1,1,1): 0.4150374992788438  (= log2(4/3))
//      (default np.isclose tolerance); these agree with the AND gate of block 1.
//    * test_int_types (same file) repeats the exact XOR check (int32/int64 targets), same value.
//    * test_non_binary_alphabet (same file) asserts nothing (its assertions are commented out).
//    * test/test_multivariate_pid.py (last changed in 3d48fc7310a68fbb2f7dcc180039764d0d0430bc)
//      only checks open ranges on sampled data (n=1000, unseeded, uniform inputs):
//        2-source XOR:   0.39 < pi({1,2}) <= 0.42 (~log2(4/3)),
//                        0.56 < pi({1}) <= 0.6 and 0.56 < pi({2}) <= 0.6 (~log2(3/2));
//        3-source parity T = S1 xor S2 xor S3: 0.23 < pi({1,2,3}) <= 0.26 (~log2(32/27));
//        4-source parity T = S1 xor S2 xor S3 xor S4: 0.15 < pi({1,2,3,4}) <= 0.18.
#include <cmath>
#include <string>
#include <vector>

namespace infomorph_test {

struct pointwise_row {
    std::vector<unsigned> sources;   // s1..sN, relabelled to small non-negative integers
    unsigned target;                 // relabelled to a small non-negative integer
    double p;
    std::vector<double> atoms;       // pointwise total atoms pi, in the order of gate_case::order
};

struct gate_case {
    std::string name;                // e.g. "XOR"
    unsigned n_sources;
    std::vector<std::string> order;  // antichain names of `atoms`, in our naming
    std::vector<pointwise_row> rows;
};

// Abzinger/SxPID testing/test_gates.py @ 55046f3cee8cac48aef1b02eb00053159ebbaba1
inline std::vector<gate_case> sxpid_gates() {
    return {
        // test_xor_gate() in testing/test_gates.py
        gate_case{
            "XOR", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(2.0 / 3.0)}},
                {{0, 1}, 1, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(2.0 / 3.0)}},
                {{1, 0}, 1, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(2.0 / 3.0)}},
                {{1, 1}, 0, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(2.0 / 3.0)}},
            }},
        // test_and_gate() in testing/test_gates.py
        gate_case{
            "AND", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 0.25, {0.0, 0.0, 0.0, std::log2(4.0 / 3.0)}},
                {{0, 1}, 0, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 4.0), std::log2(4.0 / 3.0), std::log2(8.0 / 9.0)}},
                {{1, 0}, 0, 0.25, {std::log2(3.0 / 4.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(8.0 / 9.0)}},
                {{1, 1}, 1, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
            }},
        // test_unq_gate() in testing/test_gates.py
        gate_case{
            "UNQ", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 4.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{0, 1}, 0, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 4.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 0}, 1, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 4.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 1}, 1, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 4.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
            }},
        // test_rnd_gate() in testing/test_gates.py
        gate_case{
            "RND", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 0.5, {std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(2.0)}},
                {{1, 1}, 1, 0.5, {std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(2.0)}},
            }},
        // test_copy_gate() in testing/test_gates.py
        // relabelled T: (0, 0)->0, (0, 1)->1, (1, 0)->2, (1, 1)->3
        gate_case{
            "COPY", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{0, 1}, 1, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 0}, 2, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 1}, 3, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
            }},
        // test_s1xor_gate() in testing/test_gates.py
        // relabelled T: (0, 0)->0, (0, 1)->1, (1, 1)->2, (1, 0)->3
        gate_case{
            "S1XOR", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{0, 1}, 1, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 0}, 2, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 1}, 3, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
            }},
        // test_s2xor_gate() in testing/test_gates.py
        // relabelled T: (0, 0)->0, (1, 1)->1, (0, 1)->2, (1, 0)->3
        gate_case{
            "S2XOR", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{0, 1}, 1, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 0}, 2, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 1}, 3, 0.25, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
            }},
        // test_pwunq_gate() in testing/test_gates.py
        // relabelled S2: 1->0, 0->1, 2->2
        // relabelled T: 1->0, 2->1
        gate_case{
            "PWUNQ", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 0.25, {std::log2(1.0), std::log2(2.0), std::log2(1.0), std::log2(1.0)}},
                {{1, 1}, 0, 0.25, {std::log2(2.0), std::log2(1.0), std::log2(1.0), std::log2(1.0)}},
                {{0, 2}, 1, 0.25, {std::log2(1.0), std::log2(2.0), std::log2(1.0), std::log2(1.0)}},
                {{2, 1}, 1, 0.25, {std::log2(2.0), std::log2(1.0), std::log2(1.0), std::log2(1.0)}},
            }},
        // test_rnderr_gate() in testing/test_gates.py
        gate_case{
            "RNDERR", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 3.0 / 8.0, {std::log2(5.0 / 4.0), std::log2(15.0 / 16.0), std::log2(16.0 / 15.0), std::log2(8.0 / 5.0)}},
                {{1, 1}, 1, 3.0 / 8.0, {std::log2(5.0 / 4.0), std::log2(15.0 / 16.0), std::log2(16.0 / 15.0), std::log2(8.0 / 5.0)}},
                {{0, 1}, 0, 1.0 / 8.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 16.0), std::log2(16.0 / 7.0), std::log2(8.0 / 7.0)}},
                {{1, 0}, 1, 1.0 / 8.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 16.0), std::log2(16.0 / 7.0), std::log2(8.0 / 7.0)}},
            }},
        // test_rndunqxor_gate() in testing/test_gates.py
        // relabelled S1: ('r', 'a', 0)->0, ('r', 'a', 1)->1, ('r', 'A', 0)->2, ('r', 'A', 1)->3, ('R', 'a', 0)->4, ('R', 'a', 1)->5, ('R', 'A', 0)->6, ('R', 'A', 1)->7
        // relabelled S2: ('r', 'b', 0)->0, ('r', 'b', 1)->1, ('r', 'B', 0)->2, ('r', 'B', 1)->3, ('R', 'b', 0)->4, ('R', 'b', 1)->5, ('R', 'B', 0)->6, ('R', 'B', 1)->7
        // relabelled T: ('r', 'a', 'b', 0)->0, ('r', 'a', 'b', 1)->1, ('r', 'a', 'B', 0)->2, ('r', 'a', 'B', 1)->3, ('r', 'A', 'b', 0)->4, ('r', 'A', 'b', 1)->5, ('r', 'A', 'B', 0)->6, ('r', 'A', 'B', 1)->7, ('R', 'a', 'b', 0)->8, ('R', 'a', 'b', 1)->9, ('R', 'a', 'B', 0)->10, ('R', 'a', 'B', 1)->11, ('R', 'A', 'b', 0)->12, ('R', 'A', 'b', 1)->13, ('R', 'A', 'B', 0)->14, ('R', 'A', 'B', 1)->15
        gate_case{
            "RNDUNQXOR", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{0, 1}, 1, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{1, 0}, 1, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{1, 1}, 0, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{0, 2}, 2, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{0, 3}, 3, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{1, 2}, 3, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{1, 3}, 2, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{2, 0}, 4, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{2, 1}, 5, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{3, 0}, 5, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{3, 1}, 4, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{2, 2}, 6, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{2, 3}, 7, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{3, 2}, 7, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{3, 3}, 6, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{4, 4}, 8, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{4, 5}, 9, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{5, 4}, 9, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{5, 5}, 8, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{4, 6}, 10, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{4, 7}, 11, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{5, 6}, 11, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{5, 7}, 10, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{6, 4}, 12, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{6, 5}, 13, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{7, 4}, 13, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{7, 5}, 12, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{6, 6}, 14, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{6, 7}, 15, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{7, 6}, 15, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
                {{7, 7}, 14, 1.0 / 32.0, {std::log2(7.0 / 4.0), std::log2(7.0 / 4.0), std::log2(16.0 / 7.0), std::log2(16.0 / 7.0)}},
            }},
        // test_sum_gate() in testing/test_gates.py
        gate_case{
            "SUM", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 1.0 / 4.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{0, 1}, 1, 1.0 / 4.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(2.0 / 3.0)}},
                {{1, 0}, 1, 1.0 / 4.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(2.0 / 3.0)}},
                {{1, 1}, 2, 1.0 / 4.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
            }},
        // test_reduor_gate() in testing/test_gates.py
        gate_case{
            "REDUCEDOR", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 1.0 / 2.0, {std::log2(4.0 / 3.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0), std::log2(1.0)}},
                {{0, 1}, 1, 1.0 / 4.0, {std::log2(1.0), std::log2(3.0), std::log2(1.0), std::log2(2.0 / 3.0)}},
                {{1, 0}, 1, 1.0 / 4.0, {std::log2(3.0), std::log2(1.0), std::log2(1.0), std::log2(2.0 / 3.0)}},
            }},
        // test_rndxor_gate() in testing/test_gates.py
        // relabelled S1: ('r', 0)->0, ('r', 1)->1, ('R', 0)->2, ('R', 1)->3
        // relabelled S2: ('r', 0)->0, ('r', 1)->1, ('R', 0)->2, ('R', 1)->3
        // relabelled T: ('r', 0)->0, ('r', 1)->1, ('R', 0)->2, ('R', 1)->3
        gate_case{
            "RNDXOR", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 1.0 / 8.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{0, 1}, 1, 1.0 / 8.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 0}, 1, 1.0 / 8.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 1}, 0, 1.0 / 8.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{2, 2}, 2, 1.0 / 8.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{2, 3}, 3, 1.0 / 8.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{3, 2}, 3, 1.0 / 8.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{3, 3}, 2, 1.0 / 8.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
            }},
        // test_wbA_gate() in testing/test_gates.py
        gate_case{
            "WB_A", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 1.0 / 3.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(1.0)}},
                {{0, 1}, 1, 1.0 / 3.0, {std::log2(1.0), std::log2(2.0), std::log2(1.0), std::log2(3.0 / 2.0)}},
                {{1, 0}, 2, 1.0 / 3.0, {std::log2(2.0), std::log2(1.0), std::log2(1.0), std::log2(3.0 / 2.0)}},
            }},
        // test_wbB_gate() in testing/test_gates.py
        gate_case{
            "WB_B", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 1.0 / 4.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{0, 1}, 1, 1.0 / 4.0, {std::log2(3.0 / 4.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 0}, 2, 1.0 / 4.0, {std::log2(3.0 / 2.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
                {{1, 1}, 1, 1.0 / 4.0, {std::log2(3.0 / 4.0), std::log2(3.0 / 2.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0)}},
            }},
        // test_wbC_gate() in testing/test_gates.py
        gate_case{
            "WB_C", 2,
            {"{1}", "{2}", "{1,2}", "{1}{2}"},
            {
                {{0, 0}, 0, 1.0 / 6.0, {std::log2(4.0 / 3.0), std::log2(2.0), std::log2(3.0 / 2.0), std::log2(3.0 / 4.0)}},
                {{0, 1}, 1, 1.0 / 6.0, {std::log2(5.0 / 6.0), std::log2(5.0 / 4.0), std::log2(6.0 / 5.0), std::log2(6.0 / 5.0)}},
                {{0, 1}, 2, 1.0 / 6.0, {std::log2(5.0 / 3.0), std::log2(5.0 / 4.0), std::log2(6.0 / 5.0), std::log2(3.0 / 5.0)}},
                {{1, 0}, 2, 1.0 / 6.0, {std::log2(4.0 / 3.0), std::log2(2.0), std::log2(3.0 / 2.0), std::log2(3.0 / 4.0)}},
                {{1, 1}, 0, 1.0 / 6.0, {std::log2(5.0 / 3.0), std::log2(5.0 / 4.0), std::log2(6.0 / 5.0), std::log2(3.0 / 5.0)}},
                {{1, 1}, 1, 1.0 / 6.0, {std::log2(5.0 / 6.0), std::log2(5.0 / 4.0), std::log2(6.0 / 5.0), std::log2(6.0 / 5.0)}},
            }},
        // test_trihash_gate() in testing/test_gates.py
        gate_case{
            "TRIHASH", 3,
            {"{1}", "{2}", "{3}", "{1,2}", "{1,3}", "{2,3}", "{1,2,3}", "{1}{2}", "{1}{3}", "{1}{2,3}", "{2}{3}", "{2}{1,3}", "{3}{1,2}", "{1,2}{1,3}", "{1,2}{2,3}", "{1,3}{2,3}", "{1}{2}{3}", "{1,2}{1,3}{2,3}"},
            {
                {{0, 0, 0}, 0, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 8.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0),
                  std::log2(32.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(8.0 / 7.0), std::log2(875.0 / 1024.0)}},
                {{0, 0, 1}, 1, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 8.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0),
                  std::log2(32.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(8.0 / 7.0), std::log2(875.0 / 1024.0)}},
                {{0, 1, 0}, 1, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 8.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0),
                  std::log2(32.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(8.0 / 7.0), std::log2(875.0 / 1024.0)}},
                {{0, 1, 1}, 0, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 8.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0),
                  std::log2(32.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(8.0 / 7.0), std::log2(875.0 / 1024.0)}},
                {{1, 0, 0}, 1, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 8.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0),
                  std::log2(32.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(8.0 / 7.0), std::log2(875.0 / 1024.0)}},
                {{1, 0, 1}, 0, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 8.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0),
                  std::log2(32.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(8.0 / 7.0), std::log2(875.0 / 1024.0)}},
                {{1, 1, 0}, 0, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 8.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0),
                  std::log2(32.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(8.0 / 7.0), std::log2(875.0 / 1024.0)}},
                {{1, 1, 1}, 1, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 8.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0), std::log2(7.0 / 8.0), std::log2(32.0 / 35.0),
                  std::log2(32.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(8.0 / 7.0), std::log2(875.0 / 1024.0)}},
            }},
        // test_trirnd_gate() in testing/test_gates.py
        gate_case{
            "TRIRND", 3,
            {"{1}", "{2}", "{3}", "{1,2}", "{1,3}", "{2,3}", "{1,2,3}", "{1}{2}", "{1}{3}", "{1}{2,3}", "{2}{3}", "{2}{1,3}", "{3}{1,2}", "{1,2}{1,3}", "{1,2}{2,3}", "{1,3}{2,3}", "{1}{2}{3}", "{1,2}{1,3}{2,3}"},
            {
                {{0, 0, 0}, 0, 1.0 / 2.0,
                 {std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0),
                  std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0),
                  std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(2.0), std::log2(1.0)}},
                {{1, 1, 1}, 1, 1.0 / 2.0,
                 {std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0),
                  std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0),
                  std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(2.0), std::log2(1.0)}},
            }},
        // test_dblxor_gate() in testing/test_gates.py
        // relabelled T: (0, 0)->0, (0, 1)->1, (1, 1)->2, (1, 0)->3
        gate_case{
            "DBLXOR", 3,
            {"{1}", "{2}", "{3}", "{1,2}", "{1,3}", "{2,3}", "{1,2,3}", "{1}{2}", "{1}{3}", "{1}{2,3}", "{2}{3}", "{2}{1,3}", "{3}{1,2}", "{1,2}{1,3}", "{1,2}{2,3}", "{1,3}{2,3}", "{1}{2}{3}", "{1,2}{1,3}{2,3}"},
            {
                {{0, 0, 0}, 0, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 6.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0),
                  std::log2(36.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(4.0 / 7.0), std::log2(875.0 / 864.0)}},
                {{0, 0, 1}, 1, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 6.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0),
                  std::log2(36.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(4.0 / 7.0), std::log2(875.0 / 864.0)}},
                {{0, 1, 0}, 2, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 6.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0),
                  std::log2(36.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(4.0 / 7.0), std::log2(875.0 / 864.0)}},
                {{0, 1, 1}, 3, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 6.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0),
                  std::log2(36.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(4.0 / 7.0), std::log2(875.0 / 864.0)}},
                {{1, 0, 0}, 3, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 6.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0),
                  std::log2(36.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(4.0 / 7.0), std::log2(875.0 / 864.0)}},
                {{1, 0, 1}, 2, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 6.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0),
                  std::log2(36.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(4.0 / 7.0), std::log2(875.0 / 864.0)}},
                {{1, 1, 0}, 1, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 6.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0),
                  std::log2(36.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(4.0 / 7.0), std::log2(875.0 / 864.0)}},
                {{1, 1, 1}, 0, 1.0 / 8.0,
                 {std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(5.0 / 4.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0), std::log2(9.0 / 8.0),
                  std::log2(32.0 / 27.0), std::log2(7.0 / 6.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0), std::log2(7.0 / 6.0), std::log2(36.0 / 35.0),
                  std::log2(36.0 / 35.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(16.0 / 15.0), std::log2(4.0 / 7.0), std::log2(875.0 / 864.0)}},
            }},
        // test_xorcopy_gate() in testing/test_gates.py
        // relabelled T: (0, 0, 0)->0, (0, 1, 1)->1, (1, 0, 1)->2, (1, 1, 0)->3
        gate_case{
            "XORCOPY", 3,
            {"{1}", "{2}", "{3}", "{1,2}", "{1,3}", "{2,3}", "{1,2,3}", "{1}{2}", "{1}{3}", "{1}{2,3}", "{2}{3}", "{2}{1,3}", "{3}{1,2}", "{1,2}{1,3}", "{1,2}{2,3}", "{1,3}{2,3}", "{1}{2}{3}", "{1,2}{1,3}{2,3}"},
            {
                {{0, 0, 0}, 0, 1.0 / 4.0,
                 {std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0),
                  std::log2(1.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0),
                  std::log2(9.0 / 8.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(32.0 / 27.0)}},
                {{0, 1, 1}, 1, 1.0 / 4.0,
                 {std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0),
                  std::log2(1.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0),
                  std::log2(9.0 / 8.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(32.0 / 27.0)}},
                {{1, 0, 1}, 2, 1.0 / 4.0,
                 {std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0),
                  std::log2(1.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0),
                  std::log2(9.0 / 8.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(32.0 / 27.0)}},
                {{1, 1, 0}, 3, 1.0 / 4.0,
                 {std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0),
                  std::log2(1.0), std::log2(4.0 / 3.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0), std::log2(4.0 / 3.0), std::log2(9.0 / 8.0),
                  std::log2(9.0 / 8.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(1.0), std::log2(32.0 / 27.0)}},
            }},
    };
}

struct averaged_case {
    std::string name;
    unsigned n_sources;
    std::vector<std::vector<unsigned>> realizations; // each s1..sN,t
    std::vector<double> p;
    std::vector<std::string> order;     // antichain names
    std::vector<double> atoms;          // averaged total atoms in that order
    double tolerance;                   // the tolerance the published test used
    std::string source;                 // where the numbers come from
};

// pwollstadt/IDTxl test/test_estimators_multivariate_pid.py @ d78480d14d6e7c62597e0935d9ce7d6cc2238611
// In every case the test feeds each listed realization exactly once (uniform p), except
// XOR_SAMPLED, which draws 1000 unseeded samples; its intended analytic distribution is listed.
inline std::vector<averaged_case> idtxl_averaged() {
    return {
        // test_average_pid_and: X=[0,0,1,1], Y=[0,1,0,1], T = X AND Y.
        // 0.12255624891826572 = (1/2) log2(32/27).
        averaged_case{
            "AND", 2,
            {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}, {1, 1, 1}},
            {1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0},
            {"{1}{2}"},
            {0.12255624891826572},
            1e-8,
            "pwollstadt/IDTxl@d78480d14d6e7c62597e0935d9ce7d6cc2238611 "
            "test/test_estimators_multivariate_pid.py::test_average_pid_and "
            "(np.isclose default: atol=1e-8, rtol=1e-5)"},
        // test_average_pid_xor: X=[0,0,1,1], Y=[0,1,0,1], T = X XOR Y.
        // -0.5849625007211562 = log2(2/3). (test_int_types asserts the same value.)
        averaged_case{
            "XOR", 2,
            {{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}},
            {1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0},
            {"{1}{2}"},
            {-0.5849625007211562},
            1e-8,
            "pwollstadt/IDTxl@d78480d14d6e7c62597e0935d9ce7d6cc2238611 "
            "test/test_estimators_multivariate_pid.py::test_average_pid_xor "
            "(np.isclose default: atol=1e-8, rtol=1e-5)"},
        // test_average_pid_xor_long: s1, s2 = np.random.randint(0, 2, 1000) (no seed),
        // T = s1 XOR s2; asserted with atol = 10/n = 0.01 (plus default rtol 1e-5).
        // Intended analytic distribution: uniform XOR (same as "XOR" above).
        averaged_case{
            "XOR_SAMPLED", 2,
            {{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}},
            {1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0},
            {"{1}{2}"},
            {-0.5849625007211562},
            10.0 / 1000.0,
            "pwollstadt/IDTxl@d78480d14d6e7c62597e0935d9ce7d6cc2238611 "
            "test/test_estimators_multivariate_pid.py::test_average_pid_xor_long "
            "(1000 unseeded samples of uniform XOR; atol=10/n=0.01, rtol=1e-5)"},
        // test_average_pid_source_copy: X=[0,0,1,1], Y=[0,1,0,1], T = X.
        // NOTE: IDTxl's "copy" test copies source 1 only (T = S1; the same distribution as the
        // UNQ gate of block 1), NOT the COPY gate T = (S1,S2) of block 1.
        // 0.5849625007211562 = log2(3/2), -0.4150374992788438 = log2(3/4),
        // 0.4150374992788438 = log2(4/3).
        averaged_case{
            "SOURCE_COPY", 2,
            {{0, 0, 0}, {0, 1, 0}, {1, 0, 1}, {1, 1, 1}},
            {1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0, 1.0 / 4.0},
            {"{1}", "{2}", "{1}{2}", "{1,2}"},
            {0.5849625007211562, -0.4150374992788438, 0.4150374992788438, 0.4150374992788438},
            1e-7,
            "pwollstadt/IDTxl@d78480d14d6e7c62597e0935d9ce7d6cc2238611 "
            "test/test_estimators_multivariate_pid.py::test_average_pid_source_copy "
            "(T = S1; atol=1e-7, rtol=1e-5)"},
        // test_average_pid_three_hash: s1,s2,s3 all 8 combinations, T = s1 XOR s2 XOR s3.
        // 0.1926450779423959 = log2(8/7), -0.22686079328030903 = log2(875/1024),
        // 0.24511249783653177 = log2(32/27).
        averaged_case{
            "THREE_HASH", 3,
            {{0, 0, 0, 0}, {0, 0, 1, 1}, {0, 1, 0, 1}, {0, 1, 1, 0},
             {1, 0, 0, 1}, {1, 0, 1, 0}, {1, 1, 0, 0}, {1, 1, 1, 1}},
            {1.0 / 8.0, 1.0 / 8.0, 1.0 / 8.0, 1.0 / 8.0, 1.0 / 8.0, 1.0 / 8.0, 1.0 / 8.0, 1.0 / 8.0},
            {"{1}{2}{3}", "{1,2}{1,3}{2,3}", "{1,2,3}"},
            {0.1926450779423959, -0.22686079328030903, 0.24511249783653177},
            1e-8,
            "pwollstadt/IDTxl@d78480d14d6e7c62597e0935d9ce7d6cc2238611 "
            "test/test_estimators_multivariate_pid.py::test_average_pid_three_hash "
            "(np.isclose default: atol=1e-8, rtol=1e-5)"},
    };
}

}  // namespace infomorph_test
