package interp

import (
	crand "crypto/rand"
	"encoding/binary"
	"math"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

// sample reproduces pandas' DataFrame.sample(n=..|frac=.., random_state=seed)
// bit for bit: pandas draws the rows with numpy.random.RandomState(seed)
// .choice(n_rows, size=k, replace=False), which is
// RandomState(seed).permutation(n_rows)[:k]; permutation is numpy's legacy
// Fisher-Yates shuffle of arange(n_rows) over MT19937 with the legacy
// bounded draw (mtRandomInterval). Attribute state ({key: [624 ints], pos})
// starts the generator from a numpy RandomState's state instead of a seed:
// the front end passes the state of numpy's global generator (pandas'
// random_state=None) or of the user's RandomState. Without either the draw
// is nondeterministic.
func init() {
	register("sample", func(c *Ctx, n *ir.Node, in []*col.Frame) (*col.Frame, error) {
		src := in[0]
		if n.Attrs.Bool("replace", false) {
			return nil, ir.Errorf("NotImplemented", "sample(replace=True)")
		}
		var mt *mt19937
		if st, ok := n.Attrs["state"].(map[string]any); ok {
			var err error
			if mt, err = mtFromState(st); err != nil {
				return nil, err
			}
		} else if seedV, ok := n.Attrs.Float("seed"); ok {
			if seedV < 0 || seedV > math.MaxUint32 || seedV != math.Trunc(seedV) {
				return nil, ir.Errorf("Value", "Seed must be between 0 and 2**32 - 1")
			}
			mt = newMT19937(uint32(seedV))
		} else {
			var b [4]byte
			if _, err := crand.Read(b[:]); err != nil {
				return nil, ir.Errorf("Internal", "sample: no entropy for an unseeded draw: %v", err)
			}
			mt = newMT19937(binary.LittleEndian.Uint32(b[:]))
		}
		k, err := sampleSize(n.Attrs, src.N)
		if err != nil {
			return nil, err
		}
		perm := mt.permutation(src.N)
		return src.Take(perm[:k]), nil
	})
}

// sampleSize is the number of rows pandas' sample draws: n, or
// round(frac * len) with Python's round (half to even); the argument checks
// and messages are pandas' and numpy's.
func sampleSize(a ir.Attrs, rows int) (int, error) {
	nv, hasN := a.Float("n")
	frac, hasFrac := a.Float("frac")
	var k int
	switch {
	case hasN && hasFrac:
		return 0, ir.Errorf("Value", "Please enter a value for `frac` OR `n`, not both")
	case hasN:
		if nv < 0 {
			return 0, ir.Errorf("Value", "A negative number of rows requested. Please provide `n` >= 0.")
		}
		if nv != math.Trunc(nv) {
			return 0, ir.Errorf("Value", "Only integers accepted as `n` values")
		}
		k = int(nv)
	case hasFrac:
		if frac > 1 {
			return 0, ir.Errorf("Value", "Replace has to be set to `True` when upsampling the population `frac` > 1.")
		}
		if frac < 0 || math.IsNaN(frac) {
			return 0, ir.Errorf("Value", "A negative number of rows requested. Please provide `frac` >= 0.")
		}
		k = int(math.RoundToEven(frac * float64(rows)))
	default:
		k = 1
	}
	if rows == 0 && k > 0 {
		return 0, ir.Errorf("Value", "a must be greater than 0 unless no samples are taken")
	}
	if k > rows {
		return 0, ir.Errorf("Value", "Cannot take a larger sample than population when 'replace=False'")
	}
	return k, nil
}

// mt19937 is the Mersenne Twister exactly as numpy's legacy RandomState
// runs it (numpy/random/src/mt19937).
type mt19937 struct {
	key [624]uint32
	pos int
}

// newMT19937 seeds like RandomState(seed) for an integer seed (init_genrand).
func newMT19937(seed uint32) *mt19937 {
	m := &mt19937{}
	for i := 0; i < 624; i++ {
		m.key[i] = seed
		seed = 1812433253*(seed^(seed>>30)) + uint32(i) + 1
	}
	m.pos = 624
	return m
}

// mtFromState is RandomState.set_state(("MT19937", key, pos)): attribute
// state's key (624 words) and pos (0..624) as JSON numbers.
func mtFromState(st map[string]any) (*mt19937, error) {
	key, _ := st["key"].([]any)
	pos, okPos := st["pos"].(float64)
	if len(key) != 624 || !okPos || pos < 0 || pos > 624 || pos != math.Trunc(pos) {
		return nil, ir.Errorf("Value", "sample: bad generator state (want 624 key words and a position in 0..624)")
	}
	m := &mt19937{pos: int(pos)}
	for i, v := range key {
		f, ok := v.(float64)
		if !ok || f < 0 || f > math.MaxUint32 || f != math.Trunc(f) {
			return nil, ir.Errorf("Value", "sample: bad generator state word %d", i)
		}
		m.key[i] = uint32(f)
	}
	return m, nil
}

func (m *mt19937) generate() {
	const upper, lower, matrixA = 0x80000000, 0x7fffffff, 0x9908b0df
	var i int
	for i = 0; i < 624-397; i++ {
		y := (m.key[i] & upper) | (m.key[i+1] & lower)
		m.key[i] = m.key[i+397] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	}
	for ; i < 623; i++ {
		y := (m.key[i] & upper) | (m.key[i+1] & lower)
		m.key[i] = m.key[i+397-624] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	}
	y := (m.key[623] & upper) | (m.key[0] & lower)
	m.key[623] = m.key[396] ^ (y >> 1) ^ (-(y & 1) & matrixA)
	m.pos = 0
}

// next32 is mt19937_next (genrand_int32).
func (m *mt19937) next32() uint32 {
	if m.pos == 624 {
		m.generate()
	}
	y := m.key[m.pos]
	m.pos++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// next64 is numpy's mt19937_next64: the first draw is the high word.
func (m *mt19937) next64() uint64 {
	hi := uint64(m.next32())
	return hi<<32 | uint64(m.next32())
}

// interval is numpy's legacy random_interval: a uniform integer in [0, max]
// by rejection sampling under the smallest all-ones mask >= max.
func (m *mt19937) interval(max uint64) uint64 {
	if max == 0 {
		return 0
	}
	mask := intervalMask(max)
	if max <= 0xffffffff {
		for {
			if v := uint64(m.next32()) & mask; v <= max {
				return v
			}
		}
	}
	for {
		if v := m.next64() & mask; v <= max {
			return v
		}
	}
}

// intervalMask is the smallest all-ones mask >= max (numpy's random_interval,
// legacy and Generator alike).
func intervalMask(max uint64) uint64 {
	max |= max >> 1
	max |= max >> 2
	max |= max >> 4
	max |= max >> 8
	max |= max >> 16
	max |= max >> 32
	return max
}

// permutation is RandomState.permutation(n): the legacy shuffle of arange(n).
func (m *mt19937) permutation(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i >= 1; i-- {
		j := int(m.interval(uint64(i)))
		p[i], p[j] = p[j], p[i]
	}
	return p
}
