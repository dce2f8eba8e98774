package csvio

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flern/flern/golib/ir"
)

// benchFiles caches the generated benchmark files of this process.
var benchFiles = map[string]string{}

// benchFile writes (once per process) a CSV of about size bytes: "mixed"
// has ints, floats, short and medium strings, bools, dates and a float
// column with missing values, like a typical extract; "numeric" only
// numbers; "quoted" quoted text with commas, doubled quotes and newlines.

func benchFile(b testing.TB, kind string, size int) string {
	key := fmt.Sprintf("%s-%d", kind, size)
	if p, ok := benchFiles[key]; ok {
		return p
	}
	// one file per kind and size, reused by later runs
	p := filepath.Join(os.TempDir(), "csvio-bench-"+key+".csv")
	if fi, err := os.Stat(p); err == nil && fi.Size() >= int64(size) {
		benchFiles[key] = p
		return p
	}
	rng := rand.New(rand.NewSource(1))
	var sb strings.Builder
	sb.Grow(size + 1000)
	cats := []string{"red", "green", "blue", "yellow", "black"}
	switch kind {
	case "mixed":
		sb.WriteString("id,price,qty,category,name,flag,day,score\n")
		for i := 0; sb.Len() < size; i++ {
			fmt.Fprintf(&sb, "%d,%.2f,%d,%s,", i, rng.Float64()*1000, rng.Intn(100), cats[rng.Intn(len(cats))])
			n := 5 + rng.Intn(10)
			for j := 0; j < n; j++ {
				sb.WriteByte(byte('a' + rng.Intn(26)))
			}
			fmt.Fprintf(&sb, ",%v,2021-%02d-%02d,", rng.Intn(2) == 0, 1+rng.Intn(12), 1+rng.Intn(28))
			if rng.Intn(10) == 0 {
				sb.WriteString("\n")
			} else {
				fmt.Fprintf(&sb, "%.6g\n", rng.NormFloat64())
			}
		}
	case "numeric":
		sb.WriteString("a,b,c,d,e,f\n")
		for sb.Len() < size {
			fmt.Fprintf(&sb, "%d,%d,%.3f,%.5f,%d,%.1f\n", rng.Intn(1000000), rng.Intn(100), rng.Float64()*100, rng.Float64(), rng.Int63(), rng.Float64()*10)
		}
	case "quoted":
		sb.WriteString("id,text,value\n")
		for i := 0; sb.Len() < size; i++ {
			fmt.Fprintf(&sb, "%d,\"some text, with comma and \"\"quotes\"\"\nand a newline %d\",%.3f\n", i, rng.Intn(1000), rng.Float64())
		}
	}
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	benchFiles[key] = p
	return p
}

func benchRead(b *testing.B, kind string, cols []string, dates bool) {
	p := benchFile(b, kind, 64<<20)
	fi, _ := os.Stat(p)
	attrs := ir.Attrs{"path": p}
	if dates {
		attrs["parse_dates"] = []any{"day"}
	}
	full, err := Sniff(attrs)
	if err != nil {
		b.Fatal(err)
	}
	want := full
	if cols != nil {
		want = &ir.Schema{}
		for _, c := range cols {
			want.Fields = append(want.Fields, full.Fields[full.Lookup(c)])
		}
	}
	b.SetBytes(fi.Size())
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Read(attrs, want, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, c0, fi.Size())
}

// cpuTime is the process's user+system CPU time: on a shared machine it
// measures the work better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, c0 time.Duration, size int64) {
	cpu := (cpuTime() - c0) / time.Duration(b.N)
	b.ReportMetric(float64(cpu.Milliseconds()), "cpu-ms/op")
	b.ReportMetric(float64(size)/1e6/cpu.Seconds(), "MB/cpu-s")
}

func BenchmarkReadMixed(b *testing.B) { benchRead(b, "mixed", nil, true) }
func BenchmarkReadMixedProject2(b *testing.B) {
	benchRead(b, "mixed", []string{"price", "category"}, true)
}
func BenchmarkReadNumeric(b *testing.B) { benchRead(b, "numeric", nil, false) }
func BenchmarkReadQuoted(b *testing.B)  { benchRead(b, "quoted", nil, false) }

func BenchmarkSniffMixed(b *testing.B) {
	p := benchFile(b, "mixed", 64<<20)
	fi, _ := os.Stat(p)
	o, err := parseOptions(ir.Attrs{"path": p, "parse_dates": []any{"day"}})
	if err != nil {
		b.Fatal(err)
	}
	data, _ := os.ReadFile(p)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := sniffData(o, data); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, c0, fi.Size())
}

// TestPhases prints the CPU time of reading, tokenizing and converting the
// benchmark files (CSVIO_PHASES=1; a development aid).
func TestPhases(t *testing.T) {
	if os.Getenv("CSVIO_PHASES") == "" {
		t.Skip()
	}
	for _, kind := range []string{"mixed", "numeric"} {
		p := benchFile(t, kind, 64<<20)
		attrs := ir.Attrs{"path": p}
		if kind == "mixed" {
			attrs["parse_dates"] = []any{"day"}
		}
		sn, err := sniff(attrs)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := parseOptions(attrs)
		for rep := 0; rep < 3; rep++ {
			c0 := cpuTime()
			data, _ := os.ReadFile(p)
			c1 := cpuTime()
			tb, _ := prepare(o, data)
			slots := tb.newSlots()
			for j := range tb.cols {
				slots[tb.cols[j].index] = int32(j)
			}
			k := len(tb.cols)
			withChunking(1<<20, 1, func() {
				tb.scan(slots, k, func(*chunk) {})
			})
			c2 := cpuTime()
			withChunking(1<<20, 1, func() {
				readData(o, data, sn, sn.schema)
			})
			c3 := cpuTime()
			t.Logf("%s: read %v tokenize %v read-all(tokenize+convert+concat) %v", kind, ms(c1-c0), ms(c2-c1), ms(c3-c2))
		}
	}
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }

// TestReadOnce reads a generated 4 MB file of each kind listed in
// CSVIO_ONCE (mixed,numeric,quoted) once, for instruction counting:
//
//	CSVIO_ONCE=mixed GOMAXPROCS=1 GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
//	    --toggle-collect='*readOnce*' ./csvio.test -test.run TestReadOnce
func TestReadOnce(t *testing.T) {
	if os.Getenv("CSVIO_ONCE") == "" {
		t.Skip()
	}
	for _, kind := range strings.Split(os.Getenv("CSVIO_ONCE"), ",") {
		p := benchFile(t, kind, 4<<20)
		attrs := ir.Attrs{"path": p}
		if kind == "mixed" {
			attrs["parse_dates"] = []any{"day"}
		}
		sn, err := sniff(attrs)
		if err != nil {
			t.Fatal(err)
		}
		o, _ := parseOptions(attrs)
		data, _ := os.ReadFile(p)
		withChunking(1<<20, 1, func() {
			readOnce(o, data, sn)
		})
	}
}

//go:noinline
func readOnce(o *options, data []byte, sn *sniffed) {
	if _, err := readData(o, data, sn, sn.schema); err != nil {
		panic(err)
	}
}

// BenchmarkReadLineitem reads TPC-H lineitem (CSVIO_LINEITEM names the file,
// e.g. benchmarks/tpch/data/sf1/csv/lineitem.csv from
// `python benchmarks/tpch/gen.py --sf 1 --formats csv`; skipped without it),
// all 16 columns with the three dates parsed, as the TPC-H benchmark does.
func BenchmarkReadLineitem(b *testing.B) {
	p := os.Getenv("CSVIO_LINEITEM")
	if p == "" {
		b.Skip("CSVIO_LINEITEM not set")
	}
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	attrs := ir.Attrs{"path": p, "parse_dates": []any{"l_shipdate", "l_commitdate", "l_receiptdate"}}
	full, err := Sniff(attrs)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := Read(attrs, full, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, c0, fi.Size())
}
