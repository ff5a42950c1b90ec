package registry

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"slices"
)

// A posting list (the registry entries holding one gram or facet) is kept
// in blocks of blockSize consecutive rids, one row per non-empty block, so
// a change to one entry rewrites a few kilobytes at most and a search
// reads whole lists in a few rows. Inside a block a rid is its low 16 bits.
// A block is stored the way roaring bitmaps store their containers: as
// sorted little-endian uint16 values while it holds fewer than
// arrayMax, as an 8 KiB bitmap from then on, so no block is larger than
// 8 KiB and a dense list (a prefecture, a common kanji) costs one bit per
// entry.
const (
	blockBits  = 16
	blockSize  = 1 << blockBits
	blockMask  = blockSize - 1
	bitmapSize = blockSize / 8  // bytes
	arrayMax   = bitmapSize / 2 // values; an array this long is as big as the bitmap
)

// block is one decoded block: either arr (sorted ascending) or bm.
type block struct {
	arr []uint16
	bm  []uint64 // words long when the block is a bitmap
	n   int
}

const words = blockSize / 64

var errBadBlock = errors.New("registry: malformed posting block")

// decodeBlock reads a stored block. A value of exactly bitmapSize bytes is
// a bitmap; anything shorter an array of an even length, sorted strictly.
func decodeBlock(b []byte) (block, error) {
	if len(b) == bitmapSize {
		bm := make([]uint64, words)
		n := 0
		for i := range bm {
			bm[i] = binary.LittleEndian.Uint64(b[8*i:])
			n += bits.OnesCount64(bm[i])
		}
		return block{bm: bm, n: n}, nil
	}
	if len(b)%2 != 0 || len(b)/2 >= arrayMax {
		return block{}, errBadBlock
	}
	arr := make([]uint16, len(b)/2)
	for i := range arr {
		arr[i] = binary.LittleEndian.Uint16(b[2*i:])
		if i > 0 && arr[i] <= arr[i-1] {
			return block{}, errBadBlock
		}
	}
	return block{arr: arr, n: len(arr)}, nil
}

// encode is the stored form: an array below arrayMax values, else the
// bitmap.
func (b block) encode() []byte {
	if b.n >= arrayMax {
		out := make([]byte, bitmapSize)
		for i, w := range b.toBitmap() {
			binary.LittleEndian.PutUint64(out[8*i:], w)
		}
		return out
	}
	vals := b.values()
	out := make([]byte, 2*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint16(out[2*i:], v)
	}
	return out
}

// toBitmap returns the block as a bitmap, building it from the array when
// it is one.
func (b block) toBitmap() []uint64 {
	if b.bm != nil {
		return b.bm
	}
	bm := make([]uint64, words)
	for _, v := range b.arr {
		bm[v>>6] |= 1 << (v & 63)
	}
	return bm
}

// values returns the block's values ascending.
func (b block) values() []uint16 {
	if b.bm == nil {
		return b.arr
	}
	return appendBits(make([]uint16, 0, b.n), b.bm)
}

// appendBits appends the set bits of bm, ascending.
func appendBits(out []uint16, bm []uint64) []uint16 {
	for i, w := range bm {
		for w != 0 {
			out = append(out, uint16(i<<6+bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
	return out
}

// change returns the block with del removed and add added (in that
// order), building one bitmap for the lot: a builder merging a whole block
// into a partly filled one must not copy the block once per value. The
// stored form depends on the count alone, as encode decides.
func (b block) change(add, del []uint16) block {
	bm := slices.Clone(b.toBitmap())
	for _, v := range del {
		bm[v>>6] &^= 1 << (v & 63)
	}
	for _, v := range add {
		bm[v>>6] |= 1 << (v & 63)
	}
	n := 0
	for _, w := range bm {
		n += bits.OnesCount64(w)
	}
	nb := block{bm: bm, n: n}
	if n < arrayMax {
		return block{arr: nb.values(), n: n}
	}
	return nb
}

// intersect returns how many values all of bs hold (bs sorted by n
// ascending, at least one) and the values themselves: as an ascending
// array, or (when all are bitmaps) as a bitmap in scratch, a words-long
// buffer. With count set only the count is needed, and two bitmaps are
// counted without building their intersection.
func intersect(bs []block, count bool, scratch []uint64) (int, block) {
	first := bs[0]
	if first.bm == nil {
		if len(bs) == 1 {
			return first.n, first
		}
		if len(bs) == 2 && count && bs[1].bm != nil {
			n, o := 0, bs[1].bm
			for _, v := range first.arr {
				n += int(o[v>>6] >> (v & 63) & 1)
			}
			return n, block{}
		}
		// Narrow the smallest array by each other block in turn: a merge
		// against arrays, a bit test against bitmaps. The first pass
		// copies out of first.arr (which may be cached); later passes
		// filter in place, never writing ahead of what they read.
		cur := first.arr
		buf := make([]uint16, 0, len(cur))
		for _, o := range bs[1:] {
			out := buf[:0]
			if o.bm != nil {
				for _, v := range cur {
					if o.bm[v>>6]&(1<<(v&63)) != 0 {
						out = append(out, v)
					}
				}
			} else {
				a, j := o.arr, 0
				for _, v := range cur {
					for j < len(a) && a[j] < v {
						j++
					}
					if j == len(a) {
						break
					}
					if a[j] == v {
						out = append(out, v)
					}
				}
			}
			cur, buf = out, out
			if len(cur) == 0 {
				break
			}
		}
		return len(cur), block{arr: cur, n: len(cur)}
	}
	// The smallest is a bitmap, so all are.
	if len(bs) == 1 {
		return first.n, first
	}
	if len(bs) == 2 && count {
		n := 0
		a, b := first.bm[:words], bs[1].bm[:words]
		for i := range a {
			n += bits.OnesCount64(a[i] & b[i])
		}
		return n, block{}
	}
	s := scratch[:words]
	copy(s, first.bm)
	for _, o := range bs[1:] {
		ob := o.bm[:words]
		for i := range s {
			s[i] &= ob[i]
		}
	}
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n, block{bm: s, n: n}
}

// descending appends to out the block's values from the largest down,
// skipping the first skip and stopping after take, without building the
// whole list (a dense bitmap holds tens of thousands).
func (b block) descending(skip, take int, out []uint16) []uint16 {
	if b.bm == nil {
		for i := len(b.arr) - 1 - skip; i >= 0 && take > 0; i-- {
			out = append(out, b.arr[i])
			take--
		}
		return out
	}
	for i := len(b.bm) - 1; i >= 0 && take > 0; i-- {
		w := b.bm[i]
		if c := bits.OnesCount64(w); skip >= c {
			skip -= c
			continue
		}
		for w != 0 && take > 0 {
			top := 63 - bits.LeadingZeros64(w)
			w &^= 1 << top
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, uint16(i<<6+top))
			take--
		}
	}
	return out
}
