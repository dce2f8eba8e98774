package csvio

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/flern/flern/golib/ir"
)

func TestPhases(t *testing.T) {
	if os.Getenv("CSVIO_PHASES") == "" {
		t.Skip()
	}
	b := &testing.B{}
	for _, kind := range []string{"mixed", "numeric"} {
		p := benchFile(b, kind, 64<<20)
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

// TestReadOnce reads a generated file once per kind, for instruction
// counting under valgrind (CSVIO_ONCE=1).
func TestReadOnce(t *testing.T) {
	if os.Getenv("CSVIO_ONCE") == "" {
		t.Skip()
	}
	b := &testing.B{}
	for _, kind := range strings.Split(os.Getenv("CSVIO_ONCE"), ",") {
		p := benchFile(b, kind, 4<<20)
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
