package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"mamori/internal/db"
	"mamori/internal/declaration"
	"mamori/internal/org/jp"
)

// Synthetic registry data for load tests (mamori dev generate-registry).
// Names are combined from parts, the way Japanese SMEs are named: a
// surname, a place or a brand word, an industry word, and a legal form
// before (前株) or after (後株); some are katakana or Latin.
var (
	genSurnames = strings.Fields(`山田 佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山口 松本 井上 木村 林 斎藤 清水 山崎
		森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本 斉藤 福田 太田 西村 藤井
		金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田 原 柴田 酒井 工藤 横山 宮崎 宮本 内田
		高木 安藤 島田 谷口 大野 高田 丸山 今井 河野 藤本 村田 武田 上野 杉山 増田 小山 大塚 平野 菅原 久保 松井 千葉 岩崎 桜井 野口`)
	genPlaces = strings.Fields(`札幌 函館 旭川 仙台 盛岡 秋田 山形 郡山 水戸 宇都宮 高崎 前橋 大宮 川越 千葉 船橋 横浜 川崎 相模 湘南
		新潟 長岡 富山 金沢 福井 甲府 松本 岐阜 静岡 浜松 名古屋 豊橋 三河 尾張 津 四日市 大津 京都 大阪 堺 神戸 姫路 播磨 奈良
		和歌山 鳥取 松江 岡山 倉敷 広島 福山 下関 徳島 高松 松山 高知 福岡 北九州 久留米 佐賀 長崎 佐世保 熊本 大分 宮崎 鹿児島 那覇
		東海 関東 関西 北陸 東北 九州 四国 山陰 瀬戸内 房総 信州 武蔵 筑紫 日本 東洋 大和 中央 東京 城南 城北`)
	genBrands = strings.Fields(`新 第一 富士 三協 丸 光 旭 昭和 平成 令和 太陽 共栄 協和 大同 日進 明治 正栄 三和 大成 東 栄光 双葉 若葉 桜 松竹 鶴 亀 大黒
		朝日 日の出 北斗 白鳥 青葉 緑 金星 大洋 誠 信和 英和 平和 安心 未来 創 匠 和 千代田 万代 丸一 ヤマ 一心`)
	genKatakana = strings.Fields(`アオイ サクラ ミドリ ヒカリ アサヒ コスモ ユニオン グリーン ブルー スカイ サン テクノ エース マルコ オリオン
		フジ ノース サウス イースト ウエスト アルファ ベスト トップ ライフ ハート スマイル ネクスト フューチャー クリエイト ワールド パシフィック`)
	genLatin = strings.Fields(`Next Blue Sun Smile Link Field Core One Star Wave Bridge Gate Nova Pine Maple Cedar Apex Peak Bright Clear Unity
		ABC KJ NTK SYS M2 Kaze Sora Hikari Yamato Edo`)
	genLatinTail = strings.Fields(`Tech Works Design Labs Solutions Systems Partners Factory Studio Net Japan`)
	// genIndustry are name words per JSIC major group A–T.
	genIndustry = map[byte][]string{
		'A': strings.Fields(`農園 農産 ファーム 林業 造園 園芸`),
		'B': strings.Fields(`水産 漁業 海産 養殖`),
		'C': strings.Fields(`砕石 鉱業 砂利 鉱産`),
		'D': strings.Fields(`建設 工務店 土木 建工 設備 塗装 電設 住建 組 興業`),
		'E': strings.Fields(`製作所 精機 工業 金属 化学 電機 食品 印刷 製菓 鉄工所 機械 樹脂 製薬 縫製 木工 精工 技研 電子 酒造 醸造`),
		'F': strings.Fields(`電力 ガス 水道 エネルギー 熱供給`),
		'G': strings.Fields(`システム ソフト 情報 ネット テック データ 通信 ソリューションズ 情報システム 放送`),
		'H': strings.Fields(`運輸 物流 交通 運送 倉庫 タクシー 急便 海運`),
		'I': strings.Fields(`商店 商事 販売 物産 商会 ストア 屋 薬品 燃料 酒店 書店 百貨店 米穀`),
		'J': strings.Fields(`信用 ファイナンス 保険 証券 リース キャピタル`),
		'K': strings.Fields(`不動産 地所 ハウジング 住宅 ビル管理 レンタル`),
		'L': strings.Fields(`設計 コンサルタント 技研 研究所 会計事務所 デザイン 測量 広告`),
		'M': strings.Fields(`食堂 旅館 ホテル 酒場 寿司 珈琲 亭 飯店 ベーカリー そば`),
		'N': strings.Fields(`美容室 クリーニング 理容 旅行 写真館 ジム 葬祭`),
		'O': strings.Fields(`学院 塾 スクール 教育 ゼミナール 教室`),
		'P': strings.Fields(`医院 薬局 介護 福祉 クリニック 歯科 ケア 訪問看護`),
		'Q': strings.Fields(`組合 協同 共済`),
		'R': strings.Fields(`サービス 警備 人材 ビルメンテナンス 清掃 整備 リサイクル`),
		'S': strings.Fields(`公社 協会 センター`),
		'T': strings.Fields(`企画 総合 エンタープライズ ホールディングス`),
	}
	genForms = []string{"株式会社", "有限会社", "合同会社"}
	// genPrefWeights is roughly each prefecture's share of businesses.
	genPrefWeights = []int{23, 5, 5, 10, 4, 5, 9, 12, 9, 9, 24, 20, 70, 30, 10, 5, 6, 4, 4, 10,
		9, 17, 38, 7, 5, 12, 45, 22, 5, 4, 3, 3, 8, 13, 6, 3, 4, 6, 3, 22, 4, 6, 8, 5, 5, 7, 6}
	// genIndWeights is roughly each JSIC group's share of SMEs.
	genIndWeights = []int{2, 1, 1, 12, 10, 1, 3, 2, 25, 1, 9, 5, 12, 9, 3, 5, 1, 6, 1, 1}
)

// genRNG picks from the tables above.
type genRNG struct{ *rand.Rand }

func (r genRNG) pick(s []string) string { return s[r.IntN(len(s))] }

func (r genRNG) weighted(w []int, total int) int {
	x := r.IntN(total)
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}

// name makes one company name for an industry in a prefecture.
func (r genRNG) name(ind byte, pref string) string {
	word := r.pick(genIndustry[ind])
	var core string
	switch x := r.IntN(100); {
	case x < 38:
		core = r.pick(genSurnames) + word
	case x < 53:
		core = r.pick(genPlaces) + word
	case x < 60:
		core = strings.TrimRight(pref, "都府県") + word // the home prefecture
	case x < 72:
		core = r.pick(genBrands) + word
	case x < 76:
		core = r.pick(genSurnames) + r.pick(genPlaces) + word
	case x < 88:
		core = r.pick(genKatakana) + r.pick(genKatakana[:12]) + word
	case x < 92:
		core = r.pick(genKatakana) + word
	default:
		core = r.pick(genLatin) + " " + r.pick(genLatinTail)
		if r.IntN(4) == 0 { // some are typed in full width
			core = toFullWidth(core)
		}
	}
	f := r.IntN(100)
	form := genForms[0]
	switch {
	case f < 5:
		return core // sole proprietor: no legal form
	case f < 27:
		form = genForms[1]
	case f < 37:
		form = genForms[2]
	}
	if r.IntN(2) == 0 {
		return form + core
	}
	return core + form
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ':
			return '\u3000'
		case r > ' ' && r < 0x7f:
			return r + 0xFEE0
		}
		return r
	}, s)
}

// genRows is how many rows one multi-row INSERT of the generator carries.
const genRows = 500

// Generate fills d with count synthetic active or withdrawn declarations
// (with their organisations and index entries), reproducible from seed.
// Numbers and rids are taken from their counters in one block each, and
// the declaration dates rise with them, spread from 2017 (or just after
// the newest declaration) to now, so the registry's order holds. Rows are
// written a posting block (65,536 declarations) per transaction through
// the index builder. Corporate numbers (on about 70% of organisations)
// are derived from the declaration serial, so they are unique and have
// valid check digits. Progress lines go to progress when it is not nil.
func Generate(ctx context.Context, d *db.DB, count int, seed int64, progress io.Writer) error {
	if count <= 0 {
		return nil
	}
	if d.Dialect() == db.SQLite {
		// The writer pool has one connection: a larger page cache for it
		// keeps the indexes' inserts in memory.
		if _, err := d.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
			return err
		}
		defer d.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = -16000`)
	}
	r := genRNG{rand.New(rand.NewPCG(uint64(seed), 0x6d616d6f7269))}
	prefs := jp.Prefectures()
	inds := jp.Industries()
	prefTotal, indTotal := 0, 0
	for _, w := range genPrefWeights {
		prefTotal += w
	}
	for _, w := range genIndWeights {
		indTotal += w
	}
	var latest time.Time
	err := db.Classify(d.QueryRowContext(ctx, `SELECT declared_at FROM declarations ORDER BY declared_at DESC LIMIT 1`).Scan(&latest))
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	from := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	if !latest.Before(from) {
		from = latest.UTC().Add(time.Second)
	}
	slot := time.Now().UTC().Sub(from) / time.Duration(count)
	if slot < 2*time.Microsecond {
		slot = time.Second
	}
	var firstSerial, rid0 int64
	if err := d.InTx(ctx, func(tx *db.Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, `UPDATE declaration_numbers SET last_serial = last_serial + ? WHERE id = 1 RETURNING last_serial`, count).Scan(&last); err != nil {
			return err
		}
		firstSerial = last - int64(count) + 1
		if firstSerial < 1_000_000_001 || last > 9_999_999_999 {
			return fmt.Errorf("generate: serials %d–%d outside the 10-digit range", firstSerial, last)
		}
		var err error
		rid0, err = allocRids(ctx, tx, count)
		return err
	}); err != nil {
		return err
	}
	start := time.Now()
	now := db.Now()
	b := newBuilder(d, rid0, count)
	var orgArgs, declArgs []any
	done := 0
	b.before = func(ctx context.Context, tx *db.Tx) error {
		for i := 0; i < len(orgArgs); i += 9 * genRows {
			part := orgArgs[i:min(i+9*genRows, len(orgArgs))]
			if _, err := tx.ExecContext(ctx, `INSERT INTO orgs (id, slug, name, corporate_number, prefecture, industry, employees, created_at, updated_at) VALUES `+multiRow(len(part)/9, 9), part...); err != nil {
				return err
			}
		}
		for i := 0; i < len(declArgs); i += 8 * genRows {
			part := declArgs[i:min(i+8*genRows, len(declArgs))]
			if _, err := tx.ExecContext(ctx, `INSERT INTO declarations (id, number, org_id, stars, status, org_name, declared_at, updated_at) VALUES `+multiRow(len(part)/8, 8), part...); err != nil {
				return err
			}
		}
		done += len(orgArgs) / 9
		orgArgs, declArgs = orgArgs[:0], declArgs[:0]
		if progress != nil {
			el := time.Since(start)
			fmt.Fprintf(progress, "generated %d/%d declarations in %s (%.0f/s)\n", done, count, el.Round(time.Millisecond), float64(done)/el.Seconds())
		}
		return nil
	}
	for i := range count {
		serial := firstSerial + int64(i)
		s := strconv.FormatInt(serial, 10)
		number := s + string(declaration.CheckDigit(s))
		p := prefs[r.weighted(genPrefWeights, prefTotal)]
		ind := inds[r.weighted(genIndWeights, indTotal)]
		name := r.name(ind.Code[0], p.NameJa)
		corp := ""
		if r.IntN(10) < 7 {
			twelve := s + fmt.Sprintf("%02d", r.IntN(100))
			cd, _ := jp.CorporateNumberCheckDigit(twelve)
			corp = string(cd) + twelve
		}
		// Strictly rising: each declaration falls in the first half of
		// its own slot.
		at := from.Add(time.Duration(i)*slot + time.Duration(r.Int64N(int64(slot/2)+1)))
		if slot >= 2*time.Second {
			at = at.Truncate(time.Second)
		} else {
			at = at.Truncate(time.Microsecond)
		}
		stars := 1
		if r.IntN(100) < 30 {
			stars = 2
		}
		status := declaration.StatusActive
		if r.IntN(100) < 3 {
			status = declaration.StatusWithdrawn
		}
		orgID, declID := db.NewID(), db.NewID()
		orgArgs = append(orgArgs, orgID, "gen-"+s, name, nullString(corp), p.Code, ind.Code, 1+r.IntN(300), at, now)
		declArgs = append(declArgs, declID, number, orgID, stars, status, name, at, now)
		e := &entry{declarationID: declID, norm: searchText(name, "", ""), Entry: Entry{Number: number, Name: name, Stars: stars,
			Prefecture: p.Code, Industry: ind.Code, Status: status, DeclaredAt: at, CorporateNumber: corp}}
		if err := b.add(ctx, e); err != nil {
			return err
		}
	}
	if d.Dialect() == db.Postgres {
		// Fresh statistics, so the planner does not wait for autovacuum
		// to learn the tables are no longer empty.
		_, err := d.ExecContext(ctx, `ANALYZE orgs, declarations, registry_entries, registry_postings, registry_counts`)
		return err
	}
	return nil
}
