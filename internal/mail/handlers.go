package mail

import (
	"embed"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"mamori/internal/db"
	"mamori/internal/i18n"
	"mamori/internal/web"
)

//go:embed templates/*.html
var Templates embed.FS

//go:embed locales/*.json
var locales embed.FS

// Locales are this package's message catalogs.
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }

type outboxPage struct {
	Items []Outboxed
	To    string
	Page  int
	More  bool
}

// Routes registers the administrators' outbox view.
func Routes(rt *web.Router, d *db.DB, rd *web.Renderer, cat *i18n.Catalog) {
	rt.Handle("GET /admin/outbox", web.Role(web.RoleOperatorAdmin), func(w http.ResponseWriter, r *http.Request) error {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page < 1 {
			page = 1
		}
		to := r.URL.Query().Get("to")
		if len(to) > 254 {
			to = ""
		}
		const per = 25
		items, err := List(r.Context(), d.Read(), to, per+1, (page-1)*per)
		if err != nil {
			return err
		}
		// An administrator sees link secrets only in mail addressed to
		// themselves: anyone else's reset, verification or invitation link
		// would let the administrator act as that person.
		v := web.ViewerFrom(r.Context())
		pr := cat.Printer(web.LangFrom(r.Context()))
		for i := range items {
			if v == nil || !strings.EqualFold(items[i].To, v.Email) {
				// The stored placeholder is the same in every language;
				// the page says it in the reader's.
				items[i].Body = strings.ReplaceAll(items[i].Shown, SecretPlaceholder, pr.T("outbox.secret_removed"))
			}
		}
		p := outboxPage{Items: items, To: to, Page: page}
		if len(items) > per {
			p.Items, p.More = items[:per], true
		}
		rd.Page(w, r, http.StatusOK, "mail/outbox", web.Page{Title: pr.T("admin.outbox_title"), Data: p})
		return nil
	})
}
