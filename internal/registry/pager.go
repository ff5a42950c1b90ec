package registry

// pageLink is one place of the numbered pager: a page, or a gap (…)
// standing for the pages left out.
type pageLink struct {
	Num     int
	URL     string
	Current bool
	Gap     bool
}

// pagerSpan is how many pages either side of the current one the pager
// names; the first and the last are always named.
const pagerSpan = 2

// pageLinks numbers the pages of a result of last pages around cur, so a
// long result is one click from its ends and a few from its neighbours:
// 1 … 4 5 [6] 7 8 … 25. One page needs no pager: nil.
func pageLinks(cur, last int, link func(page int) string) []pageLink {
	if last <= 1 {
		return nil
	}
	var out []pageLink
	for p := 1; p <= last; p++ {
		if p != 1 && p != last && (p < cur-pagerSpan || p > cur+pagerSpan) {
			// A gap of one page is that page: "1 2 3" reads better than "1 … 3".
			if p == cur-pagerSpan-1 && p == 2 || p == cur+pagerSpan+1 && p == last-1 {
				out = append(out, pageLink{Num: p, URL: link(p)})
				continue
			}
			if len(out) == 0 || !out[len(out)-1].Gap {
				out = append(out, pageLink{Gap: true})
			}
			continue
		}
		out = append(out, pageLink{Num: p, URL: link(p), Current: p == cur})
	}
	return out
}
