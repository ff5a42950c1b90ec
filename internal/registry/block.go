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

// block is one decoded block: either arr (sorted ascending) or bm, the
// stored bitmap bytes themselves (read a word at a time, never copied).
type block struct {
	arr []uint16
	bm  []byte // bitmapSize bytes when the block is a bitmap
	n   int
}

func (b block) word(i int) uint64 { return binary.LittleEndian.Uint64(b.bm[8*i:]) }

const words = blockSize / 64

var errBadBlock = errors.New("registry: malformed posting block")

// decodeBlock reads a stored block; the block keeps b. A value of exactly
// bitmapSize bytes is a bitmap; anything shorter an array of an even
// length, sorted strictly.
func decodeBlock(b []byte) (block, error) {
	if len(b) == bitmapSize {
		n := 0
		for i := 0; i < bitmapSize; i += 8 {
			n += bits.OnesCount64(binary.LittleEndian.Uint64(b[i:]))
		}
		return block{bm: b, n: n}, nil
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
		return b.toBitmap()
	}
	vals := b.values()
	out := make([]byte, 2*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint16(out[2*i:], v)
	}
	return out
}

// toBitmap returns the block as bitmap bytes, building them from the
// array when it is one.
func (b block) toBitmap() []byte {
	if b.bm != nil {
		return b.bm
	}
	bm := make([]byte, bitmapSize)
	for _, v := range b.arr {
		bm[v>>3] |= 1 << (v & 7)
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

// appendBits appends the set bits of bitmap bytes bm, ascending.
func appendBits(out []uint16, bm []byte) []uint16 {
	for i := 0; i < words; i++ {
		w := binary.LittleEndian.Uint64(bm[8*i:])
		for w != 0 {
			out = append(out, uint16(i<<6+bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
	return out
}

// has reports whether v is in the block.
func (b block) has(v uint16) bool {
	if b.bm != nil {
		return b.bm[v>>3]&(1<<(v&7)) != 0
	}
	_, ok := slices.BinarySearch(b.arr, v)
	return ok
}

// with returns the block with v added (b itself when v is in it already).
func (b block) with(v uint16) block {
	if b.has(v) {
		return b
	}
	if b.bm != nil {
		bm := slices.Clone(b.bm)
		bm[v>>3] |= 1 << (v & 7)
		return block{bm: bm, n: b.n + 1}
	}
	i, _ := slices.BinarySearch(b.arr, v)
	return block{arr: slices.Insert(slices.Clone(b.arr), i, v), n: b.n + 1}
}

// without returns the block with v removed. A bitmap that falls below
// arrayMax turns back into an array, so the stored form depends on the
// count alone.
func (b block) without(v uint16) block {
	if !b.has(v) {
		return b
	}
	if b.bm != nil {
		bm := slices.Clone(b.bm)
		bm[v>>3] &^= 1 << (v & 7)
		nb := block{bm: bm, n: b.n - 1}
		if nb.n < arrayMax {
			return block{arr: nb.values(), n: nb.n}
		}
		return nb
	}
	i, _ := slices.BinarySearch(b.arr, v)
	return block{arr: slices.Delete(slices.Clone(b.arr), i, i+1), n: b.n - 1}
}

// intersect returns how many values all of bs hold (bs sorted by n
// ascending, at least one) and, when want is set, the values ascending.
// scratch is a words-long buffer for the all-bitmap case.
func intersect(bs []block, want bool, scratch []uint64) (int, []uint16) {
	first := bs[0]
	if first.bm == nil {
		if len(bs) == 1 {
			return first.n, first.arr
		}
		var out []uint16
		n := 0
	next:
		for _, v := range first.arr {
			for _, o := range bs[1:] {
				if !o.has(v) {
					continue next
				}
			}
			n++
			if want {
				out = append(out, v)
			}
		}
		return n, out
	}
	// The smallest is a bitmap, so all are.
	n := 0
	for i := range words {
		w := first.word(i)
		for _, o := range bs[1:] {
			w &= o.word(i)
		}
		scratch[i] = w
		n += bits.OnesCount64(w)
	}
	if !want {
		return n, nil
	}
	out := make([]uint16, 0, n)
	for i, w := range scratch[:words] {
		for w != 0 {
			out = append(out, uint16(i<<6+bits.TrailingZeros64(w)))
			w &= w - 1
		}
	}
	return n, out
}
