package parquetio

import (
	"os"
	"testing"
	"time"

	"github.com/flern/flern/golib/ir"
)

func TestManualFlights(t *testing.T) {
	p := "/work/main/benchmarks/data/flights-3m.parquet"
	if _, err := os.Stat(p); err != nil {
		t.Skip()
	}
	a := ir.Attrs{"path": p}
	s, err := Sniff(a)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		st := time.Now()
		if _, err := Read(a, s); err != nil {
			t.Fatal(err)
		}
		t.Logf("full read %v", time.Since(st))
	}
	for _, c := range s.Fields {
		one := &ir.Schema{Fields: []ir.Field{c}}
		st := time.Now()
		Read(a, one)
		t.Logf("%s %v", c.Name, time.Since(st))
	}
}

func BenchmarkFlights(b *testing.B) {
	p := "/work/main/benchmarks/data/flights-3m.parquet"
	a := ir.Attrs{"path": p}
	s, err := Sniff(a)
	if err != nil {
		b.Skip()
	}
	for b.Loop() {
		if _, err := Read(a, s); err != nil {
			b.Fatal(err)
		}
	}
}
