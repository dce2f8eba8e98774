package parquetio

// Benchmarks of Read on real files (skipped when they are absent):
//
//	FLERN_PQ_BENCH=path[:col,col...] [FLERN_PQ_LOOKUPS=col,...] [FLERN_PQ_CODES=col,...] [FLERN_PQ_DROPNA=col,...] go test ./golib/parquetio -run XXX -bench Read -benchtime 5x -cpuprofile /tmp/cpu.out
//
// Speed is measured here and in benchmarks/parquet_scan.py, never in tests.

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flern/flern/golib/ir"
)

func BenchmarkRead(b *testing.B) {
	spec := os.Getenv("FLERN_PQ_BENCH")
	if spec == "" {
		b.Skip("FLERN_PQ_BENCH=path[:col,col...] names the file to read")
	}
	path, cols, _ := strings.Cut(spec, ":")
	a := ir.Attrs{"path": path}
	s, err := Sniff(a)
	if err != nil {
		b.Fatal(err)
	}
	if cols != "" {
		var fs []ir.Field
		for _, c := range strings.Split(cols, ",") {
			fs = append(fs, s.Fields[s.Lookup(c)])
		}
		s = &ir.Schema{Fields: fs, Index: s.Index}
	}
	if l := os.Getenv("FLERN_PQ_LOOKUPS"); l != "" { // columns read as lookups (lookup.go)
		var list []any
		for _, c := range strings.Split(l, ",") {
			list = append(list, c)
		}
		a[LookupsAttr] = list
	}
	if l := os.Getenv("FLERN_PQ_CODES"); l != "" { // string columns numbered (codes.go)
		var list []any
		for _, c := range strings.Split(l, ",") {
			list = append(list, c)
		}
		a["codes"] = list
	}
	if l := os.Getenv("FLERN_PQ_DROPNA"); l != "" { // a dropna over these columns (dropna.go)
		var list []any
		for _, c := range strings.Split(l, ",") {
			list = append(list, c)
		}
		a[DropnaAttr] = list
		if len(s.Index) == 0 {
			s = &ir.Schema{Fields: s.Fields, Index: []ir.Field{{Name: "", Type: ir.Int64}}}
		}
	}
	if os.Getenv("FLERN_PQ_PAGES") == "0" {
		pageDecode = false
		defer func() { pageDecode = true }()
	}
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	c0 := cpuTime()
	var out int64
	for b.Loop() {
		f, err := Read(a, s, nil)
		if err != nil {
			b.Fatal(err)
		}
		out = 0
		for _, c := range append(f.Cols, f.Index...) {
			out += int64(8*(len(c.I64)+len(c.F64)+len(c.Offs)) + len(c.B) + len(c.Data) + len(c.Valid))
		}
	}
	b.ReportMetric(float64(out)/(1<<20), "out-MiB")
	b.ReportMetric(float64((cpuTime()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
