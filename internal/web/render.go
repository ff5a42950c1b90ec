package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"mamori/internal/apperr"
	"mamori/internal/i18n"
)

//go:embed templates/*.html templates/pages/*.html
var baseTemplates embed.FS

//go:embed static
var staticFS embed.FS

// Page is what every template receives. Handlers fill Title, Form and Data;
// Render fills the rest from the request.
type Page struct {
	Title  string
	Form   *Form
	Data   any
	L      *i18n.Printer
	Viewer *Viewer
	Lang   string
	Flash  string
	Path   string
	Query  string
	Asset  map[string]string
	// Signup tells the layout whether to offer account creation.
	Signup bool
}

// Renderer holds every page template, parsed once at start so a broken
// template stops the server at boot rather than failing a user later.
type Renderer struct {
	catalog *i18n.Catalog
	log     *slog.Logger
	base    map[string]*template.Template            // lang → layout
	pages   map[string]map[string]*template.Template // lang → name → page
	asset   map[string]string
	// files are the static files: package web's own at the top and each
	// capability's under its name (AddStatic).
	files  staticFiles
	static http.Handler
	Signup bool
}

// staticFiles joins package web's static files with the capabilities'
// own: "incident/card.css" is card.css in the incident package's files.
type staticFiles struct {
	web fs.FS
	pkg map[string]fs.FS
}

func (s staticFiles) Open(name string) (fs.File, error) {
	if i := strings.IndexByte(name, '/'); i > 0 {
		if sub, ok := s.pkg[name[:i]]; ok {
			return sub.Open(name[i+1:])
		}
	}
	return s.web.Open(name)
}

// NewRenderer parses the shared layout. Pages are added with AddPages.
func NewRenderer(c *i18n.Catalog, log *slog.Logger) (*Renderer, error) {
	sub, _ := fs.Sub(staticFS, "static")
	rd := &Renderer{catalog: c, log: log, base: map[string]*template.Template{}, pages: map[string]map[string]*template.Template{}, asset: map[string]string{},
		files: staticFiles{web: sub, pkg: map[string]fs.FS{}}}
	layout, err := fs.ReadFile(baseTemplates, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	if err := rd.hashAssets(); err != nil {
		return nil, err
	}
	for _, lang := range i18n.Languages {
		base, err := template.New("layout").Funcs(funcs()).Parse(rd.pretranslate(lang, string(layout)))
		if err != nil {
			return nil, err
		}
		rd.base[lang] = base
		rd.pages[lang] = map[string]*template.Template{}
	}
	if err := rd.AddPages("web", baseTemplates, "templates/pages"); err != nil {
		return nil, err
	}
	fsrv := http.FileServerFS(rd.files)
	rd.static = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rd.isAsset(r) {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		http.StripPrefix("/static", fsrv).ServeHTTP(w, singleRange(r))
	})
	return rd, nil
}

// singleRange drops a Range header that asks for more than one range, so
// the file is served whole (200). The file server answers any number of
// ranges as multipart/byteranges with a part header each: 6,000 one-byte
// ranges on a 7 KB stylesheet came back as 868 KB. One range (a resumed
// download) is still honoured; no browser asks a stylesheet for several.
func singleRange(r *http.Request) *http.Request {
	if !strings.Contains(r.Header.Get("Range"), ",") {
		return r
	}
	r = r.Clone(r.Context())
	r.Header.Del("Range")
	return r
}

// Static serves embedded CSS and JavaScript (a plain 404 for anything
// else); the application routes /static/ through ServeStatic instead.
func (rd *Renderer) Static() http.Handler { return rd.static }

// ServeStatic serves the embedded files and nothing else: the file server
// behind it would list a directory (/static/) and redirect …/index.html,
// neither of which a page ever links to. Anything but a file is the
// ordinary translated 404.
func (rd *Renderer) ServeStatic(w http.ResponseWriter, r *http.Request) error {
	if !rd.isAsset(r) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	rd.static.ServeHTTP(w, r)
	return nil
}

// isAsset reports whether r asks for one of the embedded files by name.
func (rd *Renderer) isAsset(r *http.Request) bool {
	_, ok := rd.asset[strings.TrimPrefix(r.URL.Path, "/static/")]
	return ok
}

// AddPages parses every *.html file directly under dir in fsys as a page
// named prefix/basename. Each page gets its own copy of the layout so two
// pages may both define "content".
func (rd *Renderer) AddPages(prefix string, fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		if strings.Contains(err.Error(), "not exist") && prefix == "web" {
			// the web package's own templates dir may hold only the layout
			entries = nil
		} else {
			return err
		}
	}
	var partials []string
	if ps, err := fs.Glob(fsys, path.Join(dir, "_*.html")); err == nil {
		partials = ps
	}
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(fsys, name)
		return string(b), err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".html") || strings.HasPrefix(name, "_") {
			continue
		}
		key := prefix + "/" + strings.TrimSuffix(name, ".html")
		for _, lang := range i18n.Languages {
			t, err := rd.base[lang].Clone()
			if err != nil {
				return err
			}
			for _, f := range append([]string{path.Join(dir, name)}, partials...) {
				src, err := read(f)
				if err != nil {
					return err
				}
				if _, err := t.New(path.Base(f)).Parse(rd.pretranslate(lang, src)); err != nil {
					return fmt.Errorf("template %s/%s: %w", prefix, path.Base(f), err)
				}
			}
			if _, dup := rd.pages[lang][key]; dup {
				return fmt.Errorf("template %s defined twice", key)
			}
			rd.pages[lang][key] = t
		}
	}
	return nil
}

// hashAssets names each static file with a digest of its content, so
// browsers may cache it for a year and still see a new version at once.
func (rd *Renderer) hashAssets() error {
	for _, name := range []string{"app.css", "app.js", "print.css", "favicon.svg"} {
		if err := rd.hashAsset(rd.files.web, name, name); err != nil {
			return err
		}
	}
	return nil
}

func (rd *Renderer) hashAsset(fsys fs.FS, file, name string) error {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	rd.asset[name] = "/static/" + name + "?v=" + hex.EncodeToString(sum[:6])
	return nil
}

// AssetURL is the digest-named address of a static file ("app.css",
// "incident/card.css"), empty for a file nobody added.
func (rd *Renderer) AssetURL(name string) string { return rd.asset[name] }

// AddStatic serves a capability's own stylesheets and scripts (every
// file in fsys, which the package embeds) at /static/<prefix>/<file>,
// named by their digest and cached like package web's, so a capability
// need not put its files into web nor serve them itself. Templates link
// them as {{index .Asset "<prefix>/<file>"}}; call it before AddPages so
// the link is written into the page once at start.
func (rd *Renderer) AddStatic(prefix string, fsys fs.FS) error {
	if prefix == "" || strings.ContainsAny(prefix, "./") {
		return fmt.Errorf("static prefix %q: want a package name", prefix)
	}
	if _, dup := rd.files.pkg[prefix]; dup {
		return fmt.Errorf("static files for %s added twice", prefix)
	}
	rd.files.pkg[prefix] = fsys
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		return rd.hashAsset(fsys, p, prefix+"/"+p)
	})
}

// staticAsset matches {{index .Asset "name"}}, fixed for the process.
var staticAsset = regexp.MustCompile(`\{\{\s*index \.Asset "([a-z0-9./_-]+)"\s*\}\}`)

// staticT matches {{.L.T "key"}} (also $.L.T) with no arguments.
var staticT = regexp.MustCompile(`\{\{-?\s*\$?\.L\.T "([a-z0-9_.]+)"\s*-?\}\}`)

// pretranslate replaces argument-free translations with their escaped text
// before parsing, once per language. A page then carries its words as
// static text: html/template evaluates each action through reflection and
// an escaper, and translating at run time was most of a page's cost.
// Unknown keys are left for run time, where they show as the key.
func (rd *Renderer) pretranslate(lang, src string) string {
	p := rd.catalog.Printer(lang)
	src = staticAsset.ReplaceAllStringFunc(src, func(m string) string {
		if u, ok := rd.asset[staticAsset.FindStringSubmatch(m)[1]]; ok {
			return html.EscapeString(u)
		}
		return m
	})
	return staticT.ReplaceAllStringFunc(src, func(m string) string {
		key := staticT.FindStringSubmatch(m)[1]
		if !rd.catalog.Has(key) {
			return m
		}
		return html.EscapeString(p.T(key))
	})
}

// Has reports whether a page template exists (used by tests).
func (rd *Renderer) Has(name string) bool { _, ok := rd.pages[i18n.Default][name]; return ok }

// Page renders a full page into a buffer first, so a template error never
// leaves a half-written response.
func (rd *Renderer) Page(w http.ResponseWriter, r *http.Request, status int, name string, p Page) {
	t, ok := rd.pages[LangFrom(r.Context())][name]
	if !ok {
		rd.log.Error("unknown template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	rd.fill(w, r, &p)
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			bufPool.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		rd.log.Error("render failed", "template", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(p.L.T("error.internal")))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// Shared reports whether the page for r is the same for every visitor
// asking for the same URL in the same language: nobody is logged in and
// no flash message is waiting. Only such pages may be cached (Bytes).
func Shared(r *http.Request) bool {
	if ViewerFrom(r.Context()) != nil {
		return false
	}
	_, err := r.Cookie(flashCookie)
	return err != nil
}

// Bytes renders a page as Page does but returns it, for a handler that
// caches a Shared page; WriteHTML sends it.
func (rd *Renderer) Bytes(w http.ResponseWriter, r *http.Request, name string, p Page) ([]byte, error) {
	t, ok := rd.pages[LangFrom(r.Context())][name]
	if !ok {
		return nil, fmt.Errorf("unknown template %q", name)
	}
	rd.fill(w, r, &p)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// WriteHTML sends a page rendered by Bytes with the headers Page sets.
func WriteHTML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

func (rd *Renderer) fill(w http.ResponseWriter, r *http.Request, p *Page) {
	lang := LangFrom(r.Context())
	p.L = rd.catalog.Printer(lang)
	p.Lang = lang
	p.Viewer = ViewerFrom(r.Context())
	p.Path = r.URL.Path
	p.Query = r.URL.RawQuery
	p.Asset = rd.asset
	p.Signup = rd.Signup
	if p.Form == nil {
		p.Form = &Form{}
	}
	if ck, err := r.Cookie(flashCookie); err == nil {
		if key, err := url.QueryUnescape(ck.Value); err == nil && strings.HasPrefix(key, "flash.") && rd.catalog.Has(key) {
			p.Flash = p.L.T(key)
		}
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secureResponse(w, r), SameSite: http.SameSiteLaxMode})
	}
}

// bufPool reuses page buffers: growing a fresh buffer for every page was
// the largest allocation on the dashboard.
var bufPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 16<<10)) }}

const flashCookie = "mamori_flash"

// secureResponse reports whether w goes out over HTTPS: served with TLS,
// or carrying the HSTS header the stack sets when the deployment is HTTPS
// (Stack.Secure, also behind a TLS proxy), so cookies set here are Secure
// whenever the session cookie is.
func secureResponse(w http.ResponseWriter, r *http.Request) bool {
	return r.TLS != nil || w.Header().Get("Strict-Transport-Security") != ""
}

// Redirect sends the browser to target after a successful form post,
// showing the translated flash message key on the next page. Served over
// TLS, the cookie is Secure like every other cookie mamori sets.
func Redirect(w http.ResponseWriter, r *http.Request, target, flashKey string) error {
	if flashKey != "" {
		http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(flashKey), Path: "/", MaxAge: 60, HttpOnly: true, Secure: secureResponse(w, r), SameSite: http.SameSiteLaxMode})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// SafeNext accepts only local paths as a post-login destination, so a link
// cannot bounce a user to another site. Backslashes and control characters
// are refused anywhere: browsers read \ as / and drop tabs, and
// http.Redirect cleans "/./\evil.com" down to "/\evil.com".
func SafeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return "/"
		}
	}
	return next
}

func funcs() template.FuncMap {
	return template.FuncMap{
		// date and datePtr write a moment the one way its language
		// writes dates (i18n.DateTime).
		"date": i18n.DateTime,
		"datePtr": func(t *time.Time, lang string) string {
			if t == nil {
				return ""
			}
			return i18n.DateTime(*t, lang)
		},
		"safeSVG": func(s string) template.HTML { return template.HTML(s) }, // only for SVG we generated
		// noBidi drops direction controls where <bdi> cannot be used
		// (the <title>, attribute values).
		"noBidi": i18n.StripBidiControls,
		// hasBidi tells a template to put a <bdi> around text only where
		// it holds direction controls.
		"hasBidi": i18n.HasBidiControl,
		"add":     func(a, b int) int { return a + b },
		// num writes a count with thousands separators (1,092), as both
		// languages write figures.
		"num": func(n int) string {
			s := strconv.Itoa(n)
			neg := strings.HasPrefix(s, "-")
			s = strings.TrimPrefix(s, "-")
			for i := len(s) - 3; i > 0; i -= 3 {
				s = s[:i] + "," + s[i:]
			}
			if neg {
				s = "-" + s
			}
			return s
		},
		// field builds one labelled control for the "field" partial
		// (NewField lists its options).
		"field": NewField,
		// dict passes several values to a shared template fragment.
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				k, _ := kv[i].(string)
				m[k] = kv[i+1]
			}
			return m
		},
		"contains": func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		},
	}
}

//go:embed locales/*.json
var locales embed.FS

// Locales returns the shared catalog (layout, errors, common words).
func Locales() fs.FS { s, _ := fs.Sub(locales, "locales"); return s }
