package jp

// Prefecture is one of Japan's 47 prefectures (都道府県).
//
// Code is the two-digit JIS X 0401 code ("01".."47"). It is stored as a
// string, not an int, because the leading zero is part of the code as it
// appears in government data (and as the first two digits of the JIS X 0402
// municipality code and the 全国地方公共団体コード); storing it as an int
// invites "1" vs "01" mismatches when joining with such data.
type Prefecture struct {
	Code   string // JIS X 0401, e.g. "13"
	NameJa string // official name including the 都/道/府/県 suffix, e.g. "東京都"
	NameEn string // Hepburn romanisation without macrons or suffix, e.g. "Tokyo"
}

// prefectures is ordered by JIS X 0401 code, which runs roughly north to
// south (Hokkaido to Okinawa); index i holds code i+1.
//
// English names follow the prefectures' own usage (no macrons: "Hyogo",
// "Kochi", "Oita") and omit the suffix, because "Tokyo Metropolis" /
// "Osaka Prefecture" forms are not how addresses or forms are written.
var prefectures = [...]Prefecture{
	{"01", "北海道", "Hokkaido"},
	{"02", "青森県", "Aomori"},
	{"03", "岩手県", "Iwate"},
	{"04", "宮城県", "Miyagi"},
	{"05", "秋田県", "Akita"},
	{"06", "山形県", "Yamagata"},
	{"07", "福島県", "Fukushima"},
	{"08", "茨城県", "Ibaraki"},
	{"09", "栃木県", "Tochigi"},
	{"10", "群馬県", "Gunma"},
	{"11", "埼玉県", "Saitama"},
	{"12", "千葉県", "Chiba"},
	{"13", "東京都", "Tokyo"},
	{"14", "神奈川県", "Kanagawa"},
	{"15", "新潟県", "Niigata"},
	{"16", "富山県", "Toyama"},
	{"17", "石川県", "Ishikawa"},
	{"18", "福井県", "Fukui"},
	{"19", "山梨県", "Yamanashi"},
	{"20", "長野県", "Nagano"},
	{"21", "岐阜県", "Gifu"},
	{"22", "静岡県", "Shizuoka"},
	{"23", "愛知県", "Aichi"},
	{"24", "三重県", "Mie"},
	{"25", "滋賀県", "Shiga"},
	{"26", "京都府", "Kyoto"},
	{"27", "大阪府", "Osaka"},
	{"28", "兵庫県", "Hyogo"},
	{"29", "奈良県", "Nara"},
	{"30", "和歌山県", "Wakayama"},
	{"31", "鳥取県", "Tottori"},
	{"32", "島根県", "Shimane"},
	{"33", "岡山県", "Okayama"},
	{"34", "広島県", "Hiroshima"},
	{"35", "山口県", "Yamaguchi"},
	{"36", "徳島県", "Tokushima"},
	{"37", "香川県", "Kagawa"},
	{"38", "愛媛県", "Ehime"},
	{"39", "高知県", "Kochi"},
	{"40", "福岡県", "Fukuoka"},
	{"41", "佐賀県", "Saga"},
	{"42", "長崎県", "Nagasaki"},
	{"43", "熊本県", "Kumamoto"},
	{"44", "大分県", "Oita"},
	{"45", "宮崎県", "Miyazaki"},
	{"46", "鹿児島県", "Kagoshima"},
	{"47", "沖縄県", "Okinawa"},
}

// Prefectures returns all 47 prefectures ordered by JIS X 0401 code. The
// slice is a fresh copy on every call so callers may sort or modify it
// without corrupting the reference table.
func Prefectures() []Prefecture {
	out := make([]Prefecture, len(prefectures))
	copy(out, prefectures[:])
	return out
}

// PrefectureByCode looks up a prefecture by its exact two-digit JIS X 0401
// code. "1" is deliberately not accepted for "01": codes are identifiers,
// and a caller holding an unpadded code has a data bug worth surfacing.
func PrefectureByCode(code string) (Prefecture, bool) {
	if len(code) != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' {
		return Prefecture{}, false
	}
	i := int(code[0]-'0')*10 + int(code[1]-'0')
	if i < 1 || i > len(prefectures) {
		return Prefecture{}, false
	}
	return prefectures[i-1], true
}
