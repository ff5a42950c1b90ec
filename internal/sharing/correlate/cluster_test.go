package correlate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mamori/internal/db"
	"mamori/internal/db/dbtest"
)

func edgeSummary(c *Campaign) string {
	var parts []string
	for _, e := range c.Edges {
		var ks []string
		for _, in := range e.Shared {
			ks = append(ks, string(in.Kind))
		}
		parts = append(parts, e.A+"-"+e.B+"["+strings.Join(ks, ",")+"]")
	}
	return strings.Join(parts, " ")
}

func memberSummary(c *Campaign) string {
	var parts []string
	for _, m := range c.Reports {
		parts = append(parts, fmt.Sprintf("%s@%d", m.ReportID, m.Depth))
	}
	return strings.Join(parts, " ")
}

func TestCluster(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h1 := Indicator{URLHost, "invoice-portal.example"}
		x := Indicator{AttachmentSHA256, hash(7)}
		s := Indicator{Sender, "keiri@evil.example"}
		ip := Indicator{SendingIP, "203.0.113.40"}
		free := Indicator{Sender, "attacker99@gmail.com"}
		cdn := Indicator{URLHost, "cdn.example"}
		err := d.InTx(ctx, func(tx *db.Tx) error {
			for i := range TooCommon {
				if err := Add(ctx, tx, fmt.Sprintf("bulk%03d", i), t0.Add(-time.Hour), []Indicator{cdn}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// A — h1 — B — x — C — s — D — ip — E, C also holds h1; F shares
		// only a warned sender with A; cdn is too common.
		mustAdd(t, d, "A", t0, h1, free, cdn)
		mustAdd(t, d, "B", t0.Add(1*time.Hour), h1, x)
		mustAdd(t, d, "C", t0.Add(2*time.Hour), h1, x, s)
		mustAdd(t, d, "D", t0.Add(3*time.Hour), s, ip)
		mustAdd(t, d, "E", t0.Add(4*time.Hour), ip)
		mustAdd(t, d, "F", t0.Add(5*time.Hour), free)

		c, err := Cluster(ctx, d.Read(), "A", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := memberSummary(c); got != "A@0 C@1 B@1 D@2 E@3" || c.Truncated || c.Root != "A" {
			t.Errorf("members %s, truncated %v", got, c.Truncated)
		}
		if got, want := edgeSummary(c), "C-B[url_host,attachment_sha256] A-C[url_host] A-B[url_host] C-D[sender] D-E[sending_ip]"; got != want {
			t.Errorf("edges\n got %s\nwant %s", got, want)
		}
		if len(c.Values) != 4 || c.Values[0].Indicator != h1 || strings.Join(c.Values[0].Reports, ",") != "A,C,B" {
			t.Errorf("values %+v", c.Values)
		}
		if len(c.Skipped) != 2 ||
			c.Skipped[0].Indicator != cdn || c.Skipped[0].Reason != ReasonTooCommon || c.Skipped[0].Reports != TooCommon+1 ||
			c.Skipped[1].Indicator != free || c.Skipped[1].Reason != ReasonWarned || c.Skipped[1].Reports != 2 || !strings.HasPrefix(c.Skipped[1].Note, "built-in") {
			t.Errorf("skipped %+v", c.Skipped)
		}
		if !c.Reports[0].At.Equal(t0) {
			t.Errorf("root time %v", c.Reports[0].At)
		}

		// The same component from its other end: B shares two values
		// with C, A one.
		c, err = Cluster(ctx, d.Read(), "E", 0)
		if err != nil || memberSummary(c) != "E@0 D@1 C@2 B@3 A@3" {
			t.Errorf("from E: %s, %v", memberSummary(c), err)
		}

		// Bounded: the reports sharing most with the cluster come first,
		// then the most recent; edges only among the members.
		c, err = Cluster(ctx, d.Read(), "A", 3)
		if err != nil || memberSummary(c) != "A@0 C@1 B@1" || !c.Truncated {
			t.Errorf("bounded to 3: %s, truncated %v, %v", memberSummary(c), c.Truncated, err)
		}
		if got := edgeSummary(c); got != "C-B[url_host,attachment_sha256] A-C[url_host] A-B[url_host]" {
			t.Errorf("bounded edges %s", got)
		}
		c, err = Cluster(ctx, d.Read(), "D", 2)
		if err != nil || memberSummary(c) != "D@0 E@1" || !c.Truncated || edgeSummary(c) != "D-E[sending_ip]" {
			t.Errorf("bounded to 2: %s %s, %v", memberSummary(c), edgeSummary(c), err)
		}

		// Alone: F's only indicator is warned.
		c, err = Cluster(ctx, d.Read(), "F", 0)
		if err != nil || memberSummary(c) != "F@0" || len(c.Edges) != 0 || len(c.Skipped) != 1 || c.Truncated {
			t.Errorf("F: %+v, %v", c, err)
		}
		if _, err := Cluster(ctx, d.Read(), "nobody", 0); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("unknown report: %v", err)
		}

		// Removing the bridge splits the campaign.
		if err := Remove(ctx, d, "C"); err != nil {
			t.Fatal(err)
		}
		c, err = Cluster(ctx, d.Read(), "A", 0)
		if err != nil || memberSummary(c) != "A@0 B@1" {
			t.Errorf("after removing C: %s, %v", memberSummary(c), err)
		}
	})
}

// A cluster never exceeds its bound, however large the component.
func TestClusterBound(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	// A chain of 300 reports, each sharing a host with the next.
	err := d.InTx(ctx, func(tx *db.Tx) error {
		for i := range 300 {
			inds := []Indicator{{URLHost, fmt.Sprintf("h%d.example", i)}, {URLHost, fmt.Sprintf("h%d.example", i+1)}}
			if err := Add(ctx, tx, fmt.Sprintf("r%03d", i), t0.Add(time.Duration(i)*time.Minute), inds); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Cluster(ctx, d.Read(), "r150", MaxClusterReports+100)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Reports) != MaxClusterReports || !c.Truncated || len(c.Edges) != MaxClusterReports-1 {
		t.Errorf("%d members, %d edges, truncated %v", len(c.Reports), len(c.Edges), c.Truncated)
	}
	if c.Reports[1].Depth != 1 || c.Reports[len(c.Reports)-1].Depth != MaxClusterReports/2 {
		t.Errorf("depths %d … %d", c.Reports[1].Depth, c.Reports[len(c.Reports)-1].Depth)
	}
	c, err = Cluster(ctx, d.Read(), "r000", 0)
	if err != nil || len(c.Reports) != DefaultClusterReports || c.Reports[DefaultClusterReports-1].ReportID != "r049" {
		t.Errorf("default bound: %d members, %v", len(c.Reports), err)
	}
}
