package jp

import (
	"fmt"
	"testing"
)

func ip(n int) *int     { return &n }
func cp(n int64) *int64 { return &n }
func show(p any) string {
	switch v := p.(type) {
	case *int:
		if v == nil {
			return "nil"
		}
		return fmt.Sprint(*v)
	case *int64:
		if v == nil {
			return "nil"
		}
		return fmt.Sprint(*v)
	}
	return "?"
}

const (
	yen50M  int64 = 50_000_000
	yen100M int64 = 100_000_000
	yen300M int64 = 300_000_000
	yen10B  int64 = 10_000_000_000
)

func TestClassifySize(t *testing.T) {
	type tc struct {
		sector  Sector
		emp     *int
		capital *int64
		want    SizeClass
	}
	const (
		mfg = SectorManufacturing
		whs = SectorWholesale
		svc = SectorServices
		ret = SectorRetail
	)
	tests := []tc{
		// --- Manufacturing/others: ¥300M or 300 employees; small ≤ 20.
		{mfg, ip(0), nil, SizeSmallBusiness},
		{mfg, ip(20), nil, SizeSmallBusiness},
		{mfg, ip(21), nil, SizeSME},
		{mfg, ip(300), nil, SizeSME},
		{mfg, ip(301), nil, SizeUnknown}, // capital could still qualify
		{mfg, ip(301), cp(yen300M), SizeSME},
		{mfg, ip(301), cp(yen300M + 1), SizeLarge},
		{mfg, ip(300), cp(yen300M + 1), SizeSME},
		{mfg, nil, cp(yen300M), SizeSME},
		{mfg, nil, cp(yen300M + 1), SizeUnknown}, // headcount could still qualify
		{mfg, ip(20), cp(yen10B), SizeSmallBusiness},
		{mfg, ip(5), cp(yen10B), SizeSmallBusiness},
		{mfg, ip(6), cp(yen10B), SizeSmallBusiness}, // 5/6 edge is commerce/services only
		{mfg, ip(21), cp(yen10B), SizeSME},
		{mfg, ip(10_000), cp(0), SizeSME},
		{mfg, ip(10_000), cp(yen10B), SizeLarge},

		// --- Wholesale: ¥100M or 100 employees; small ≤ 5.
		{whs, ip(5), nil, SizeSmallBusiness},
		{whs, ip(6), nil, SizeSME},
		{whs, ip(20), nil, SizeSME},
		{whs, ip(21), nil, SizeSME},
		{whs, ip(100), nil, SizeSME},
		{whs, ip(101), nil, SizeUnknown},
		{whs, ip(101), cp(yen100M), SizeSME},
		{whs, ip(101), cp(yen100M + 1), SizeLarge},
		{whs, ip(100), cp(yen100M + 1), SizeSME},
		{whs, nil, cp(yen100M), SizeSME},
		{whs, nil, cp(yen100M + 1), SizeUnknown},
		{whs, ip(5), cp(yen10B), SizeSmallBusiness},
		{whs, ip(6), cp(yen10B), SizeSME},
		{whs, ip(301), cp(yen300M), SizeLarge}, // manufacturing bound does not apply

		// --- Services: ¥50M or 100 employees; small ≤ 5.
		{svc, ip(5), nil, SizeSmallBusiness},
		{svc, ip(6), nil, SizeSME},
		{svc, ip(20), nil, SizeSME},
		{svc, ip(21), nil, SizeSME},
		{svc, ip(100), nil, SizeSME},
		{svc, ip(101), nil, SizeUnknown},
		{svc, ip(101), cp(yen50M), SizeSME},
		{svc, ip(101), cp(yen50M + 1), SizeLarge},
		{svc, ip(101), cp(yen100M), SizeLarge},
		{svc, ip(100), cp(yen50M + 1), SizeSME},
		{svc, nil, cp(yen50M), SizeSME},
		{svc, nil, cp(yen50M + 1), SizeUnknown},
		{svc, ip(6), cp(yen10B), SizeSME},

		// --- Retail: ¥50M or 50 employees; small ≤ 5.
		{ret, ip(5), nil, SizeSmallBusiness},
		{ret, ip(6), nil, SizeSME},
		{ret, ip(20), nil, SizeSME},
		{ret, ip(21), nil, SizeSME},
		{ret, ip(50), nil, SizeSME},
		{ret, ip(51), nil, SizeUnknown},
		{ret, ip(51), cp(yen50M), SizeSME},
		{ret, ip(51), cp(yen50M + 1), SizeLarge},
		{ret, ip(100), cp(yen50M + 1), SizeLarge}, // services headcount bound does not apply
		{ret, ip(50), cp(yen50M + 1), SizeSME},
		{ret, nil, cp(yen50M), SizeSME},
		{ret, nil, cp(yen50M + 1), SizeUnknown},
		{ret, ip(5), cp(yen10B), SizeSmallBusiness},

		// --- Nil, negative and unknown-sector cases.
		{mfg, nil, nil, SizeUnknown},
		{whs, nil, nil, SizeUnknown},
		{svc, nil, nil, SizeUnknown},
		{ret, nil, nil, SizeUnknown},
		{ret, nil, cp(0), SizeSME},
		{ret, ip(-1), nil, SizeUnknown},
		{ret, ip(-1), cp(yen50M), SizeSME},
		{ret, ip(51), cp(-1), SizeUnknown},
		{ret, ip(-1), cp(-1), SizeUnknown},
		{"", ip(1), cp(1), SizeUnknown},
		{"agriculture", ip(1), cp(1), SizeUnknown},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/emp=%s/cap=%s", tt.sector, show(tt.emp), show(tt.capital))
		t.Run(name, func(t *testing.T) {
			if got := ClassifySize(tt.sector, tt.emp, tt.capital); got != tt.want {
				t.Errorf("ClassifySize(%q, %s, %s) = %q, want %q",
					tt.sector, show(tt.emp), show(tt.capital), got, tt.want)
			}
		})
	}
}

// TestClassifySizeMonotone checks that learning the missing figure never
// contradicts a decided answer: a result other than SizeUnknown from
// partial data must equal the result with full data.
func TestClassifySizeMonotone(t *testing.T) {
	emps := []int{0, 5, 6, 20, 21, 50, 51, 100, 101, 300, 301, 5000}
	caps := []int64{0, yen50M, yen50M + 1, yen100M, yen100M + 1, yen300M, yen300M + 1, yen10B}
	for _, s := range []Sector{SectorManufacturing, SectorWholesale, SectorServices, SectorRetail} {
		for _, e := range emps {
			for _, c := range caps {
				full := ClassifySize(s, ip(e), cp(c))
				if full == SizeUnknown {
					t.Errorf("ClassifySize(%s, %d, %d) = unknown with both figures known", s, e, c)
				}
				for _, partial := range []SizeClass{ClassifySize(s, ip(e), nil), ClassifySize(s, nil, cp(c))} {
					if partial == SizeUnknown {
						continue
					}
					// Capital-only SME cannot see small business; both are "SME or smaller".
					if partial == SizeSME && full == SizeSmallBusiness {
						continue
					}
					if partial != full {
						t.Errorf("%s emp=%d cap=%d: partial %q contradicts full %q", s, e, c, partial, full)
					}
				}
			}
		}
	}
}

func TestClassifySizeDoesNotMutateInputs(t *testing.T) {
	e, c := -3, int64(-4)
	ClassifySize(SectorRetail, &e, &c)
	if e != -3 || c != -4 {
		t.Fatalf("inputs mutated: %d %d", e, c)
	}
}

func TestSurveyBandFor(t *testing.T) {
	tests := []struct {
		class  SizeClass
		emp    *int
		want   SurveyBand
		wantOK bool
	}{
		{SizeSmallBusiness, ip(3), BandSmallBusiness, true},
		{SizeSmallBusiness, nil, BandSmallBusiness, true},
		{SizeSME, ip(6), BandUpTo100, true},
		{SizeSME, ip(100), BandUpTo100, true},
		{SizeSME, ip(101), Band101Plus, true},
		{SizeSME, ip(300), Band101Plus, true},
		{SizeSME, ip(5000), Band101Plus, true}, // SME by capital only
		{SizeSME, nil, "", false},
		{SizeSME, ip(-1), "", false},
		{SizeLarge, ip(1000), "", false},
		{SizeLarge, nil, "", false},
		{SizeUnknown, ip(10), "", false},
		{SizeUnknown, nil, "", false},
		{"bogus", ip(10), "", false},
	}
	for _, tt := range tests {
		got, ok := SurveyBandFor(tt.class, tt.emp)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("SurveyBandFor(%q, %s) = %q, %v; want %q, %v",
				tt.class, show(tt.emp), got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestClassifyThenBand exercises the two functions together as the
// survey feature uses them.
func TestClassifyThenBand(t *testing.T) {
	tests := []struct {
		sector  Sector
		emp     int
		capital int64
		want    SurveyBand
		wantOK  bool
	}{
		{SectorManufacturing, 20, yen10B, BandSmallBusiness, true},
		{SectorManufacturing, 21, yen10B, BandUpTo100, true},
		{SectorManufacturing, 101, yen10B, Band101Plus, true},
		{SectorManufacturing, 301, yen300M, Band101Plus, true},
		{SectorManufacturing, 301, yen300M + 1, "", false},
		{SectorRetail, 5, yen10B, BandSmallBusiness, true},
		{SectorRetail, 6, yen10B, BandUpTo100, true},
		{SectorRetail, 51, yen50M + 1, "", false},
		{SectorServices, 101, yen50M, Band101Plus, true},
	}
	for _, tt := range tests {
		got, ok := SurveyBandFor(ClassifySize(tt.sector, ip(tt.emp), cp(tt.capital)), ip(tt.emp))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%s emp=%d cap=%d: band %q, %v; want %q, %v", tt.sector, tt.emp, tt.capital, got, ok, tt.want, tt.wantOK)
		}
	}
}
