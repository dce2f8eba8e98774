// Package exec is flern's runtime: it runs an optimized graph on input data.
// Today the only executor is exec/interp, the reference interpreter that
// defines every op's semantics (compiled kernels arrive with golib/lower and
// golib/codegen and are tested against it).
package exec
