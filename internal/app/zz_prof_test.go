package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"mamori/internal/apptest"
	"mamori/internal/db"
	"mamori/internal/db/dbtest"
	"mamori/internal/org"
)

func BenchmarkDashboard(b *testing.B) {
	e := apptest.Start(b, dbtest.SQLite(b))
	u := e.CreateUser("b@example.jp", "bench password")
	e.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := e.App.Orgs.Create(context.Background(), tx, nil, u.ID, org.CreateInput{Name: "ベンチ株式会社", Prefecture: "13", Industry: "E"})
		return err
	})
	c := e.SessionClient(u.ID)
	req, _ := http.NewRequest("GET", e.URL+"/dashboard", nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	h := e.App.Handler()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	})
}
