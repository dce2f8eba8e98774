package interp

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flern/flern/golib/ir"
)

// TestDtClockField: hour, minute, second and dayofweek computed from the
// epoch count equal the time package's (UTC) for microsecond and nanosecond
// datetimes: day and hour boundaries on both sides of the epoch, before
// 1900, far future, the int64 extremes, sorted runs and random values.
func TestDtClockField(t *testing.T) {
	vals := []int64{0, 1, -1, 86_399_999_999, 86_400_000_000, -86_400_000_000, -86_400_000_001, 3_599_999_999, 3_600_000_000,
		math.MaxInt64, math.MinInt64, math.MinInt64 + 1, math.MaxInt64 - 1, -2_208_988_800_000_000, 4_102_444_800_000_000_000}
	// sorted runs across hour and day boundaries (the float loops reuse the
	// last hour's and day's value), from before the epoch to after it
	for v := int64(-3 * 86_400_000_000); v < 3*86_400_000_000; v += 7*60_000_000 + 13 {
		vals = append(vals, v, v)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 20000; i++ {
		vals = append(vals, int64(rng.Uint64()), rng.Int64N(4e18)-2e18, rng.Int64N(4e15)-2e15)
	}
	ref := map[string]func(time.Time) int64{
		"dt_hour":      func(tm time.Time) int64 { return int64(tm.Hour()) },
		"dt_minute":    func(tm time.Time) int64 { return int64(tm.Minute()) },
		"dt_second":    func(tm time.Time) int64 { return int64(tm.Second()) },
		"dt_dayofweek": func(tm time.Time) int64 { return int64((tm.Weekday() + 6) % 7) },
	}
	for _, dt := range []ir.DType{ir.DatetimeNS, ir.DatetimeUS} {
		for fn, want := range ref {
			f := dtClockField(fn, dt)
			if f == nil {
				t.Fatalf("%s: no clock function", fn)
			}
			floats := make([]float64, len(vals))
			if !DtClockFieldFloats(fn, dt, vals, floats) {
				t.Fatalf("%s: no float loop", fn)
			}
			for k, v := range vals {
				if floats[k] != float64(f(v)) {
					t.Fatalf("%s %s of %d: float loop %v, clock function %d", dt, fn, v, floats[k], f(v))
				}
			}
			// then applied once per hour / day equals the operation on every value
			DtClockFieldFloatsThen(fn, dt, vals, floats, func(x float64) float64 { return x / 23.0 })
			for k, v := range vals {
				if floats[k] != float64(f(v))/23.0 {
					t.Fatalf("%s %s of %d / 23: %v, want %v", dt, fn, v, floats[k], float64(f(v))/23.0)
				}
			}
			for _, v := range vals {
				tm := time.UnixMicro(v).UTC()
				if dt == ir.DatetimeNS {
					tm = time.Unix(0, v).UTC()
				}
				if got, w := f(v), want(tm); got != w {
					t.Fatalf("%s %s of %d: %d, time says %d", dt, fn, v, got, w)
				}
			}
		}
	}
	if dtClockField("dt_year", ir.DatetimeNS) != nil || dtClockField("dt_day", ir.DatetimeUS) != nil ||
		DtClockFieldFloats("dt_year", ir.DatetimeUS, vals, make([]float64, len(vals))) {
		t.Fatal("calendar fields must take the time package's path")
	}
}
