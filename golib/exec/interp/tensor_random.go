package interp

// flern's random stream (the ops in golib/tensor/random.go). Each node
// seeds its own generator from its seed input, so values depend only on
// the seed and the node's attributes:
//
//   - generator: PCG-DXSM (math/rand/v2's PCG, whose output is specified)
//     seeded with (seed as uint64, 0x666c65726e) ("flern");
//   - uniform float64: the top 53 bits of one draw times 2^-53; float32:
//     the top 24 bits times 2^-24 (both in [0, 1));
//   - normal: Box-Muller on pairs of draws u1 = (top 53 bits + 1) * 2^-53
//     (in (0, 1]) and u2 (uniform): r = sqrt(-2 ln u1), values
//     r*cos(2 pi u2) then r*sin(2 pi u2), computed in float64 and rounded
//     once for float32;
//   - randperm: Fisher-Yates from the last position down; position i swaps
//     with j = high 64 bits of draw * (i+1).
//
// The stream differs from torch's (a seed gives different numbers than
// torch.manual_seed would) but is the same on every platform and run.

import (
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/flern/flern/golib/col"
	"github.com/flern/flern/golib/ir"
)

const streamTag = 0x666c65726e

func init() {
	registerTensor("rand", tRandom)
	registerTensor("randn", tRandom)
	registerTensor("rand_like", tRandom)
	registerTensor("randn_like", tRandom)
	registerTensor("randperm", tRandperm)
}

// newStream seeds a generator from the seed tensor (a random op's last input).
func newStream(n *ir.Node, in []any) (*rand.PCG, error) {
	s, ok := in[len(in)-1].(*col.Tensor)
	if !ok || s.DType != ir.Int64 || len(s.I64) != 1 {
		return nil, ir.Errorf("Internal", "%s: bad seed input", n.Op)
	}
	return rand.NewPCG(uint64(s.I64[0]), streamTag), nil
}

// fillUniform64 fills dst with uniform [0, 1) values from r.
func fillUniform64(r *rand.PCG, dst []float64) {
	for i := range dst {
		dst[i] = float64(r.Uint64()>>11) * 0x1p-53
	}
}

func fillUniform32(r *rand.PCG, dst []float32) {
	for i := range dst {
		dst[i] = float32(r.Uint64()>>40) * 0x1p-24
	}
}

func fillNormal(r *rand.PCG, dst []float64) {
	for i := 0; i < len(dst); i += 2 {
		u1 := float64(r.Uint64()>>11+1) * 0x1p-53
		u2 := float64(r.Uint64()>>11) * 0x1p-53
		rad := math.Sqrt(-2 * math.Log(u1))
		s, c := math.Sincos(2 * math.Pi * u2)
		dst[i] = rad * c
		if i+1 < len(dst) {
			dst[i+1] = rad * s
		}
	}
}

func tRandom(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	tt, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	shape := ints(tt.Shape)
	r, err := newStream(n, in)
	if err != nil {
		return nil, err
	}
	res := col.NewTensor(tt.DType, shape)
	if n.Op == "rand" || n.Op == "rand_like" {
		if tt.DType == ir.Float32 {
			fillUniform32(r, res.F32)
		} else {
			fillUniform64(r, res.F64)
		}
		return res, nil
	}
	if tt.DType == ir.Float64 {
		fillNormal(r, res.F64)
		return res, nil
	}
	v := make([]float64, res.Numel())
	fillNormal(r, v)
	for i, x := range v {
		res.F32[i] = float32(x)
	}
	return res, nil
}

func tRandperm(c *Ctx, n *ir.Node, in []any) (*col.Tensor, error) {
	tt, err := outType(n, in)
	if err != nil {
		return nil, err
	}
	k := int(tt.Shape[0])
	p := make([]int64, k)
	for i := range p {
		p[i] = int64(i)
	}
	r, err := newStream(n, in)
	if err != nil {
		return nil, err
	}
	for i := k - 1; i > 0; i-- {
		j, _ := bits.Mul64(r.Uint64(), uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
	res := &col.Tensor{DType: ir.Int64, Shape: []int{k}, I64: p}
	return castTensor(res, tt.DType), nil
}
