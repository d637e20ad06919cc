package emulator

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// This file holds the text corpus of generated spaces: Japanese and English
// templates and vocabulary for issue summaries, descriptions, comments, wiki
// pages, documents, pull requests and file names. Templates contain slots in
// braces that fill replaces with a random word of the named list:
//
//	{S} screen / feature     {C} component        {X} symptom
//	{A} action               {B} browser/device    {E} environment
//	{N} small number         {V} version number    {D} date (yyyy-mm-dd)
//	{R} branch name          {F} file name         {U} person
//
// About 60% of generated texts are Japanese (see corpus.lang).

// corpus picks text with a random source.
type corpus struct {
	r *rand.Rand
	// date is the date used by {D} (the simulated clock's current day).
	date string
	// person is the name used by {U}.
	person string
}

// lang returns "ja" about 60% of the time, otherwise "en".
func (c *corpus) lang() string {
	if c.r.IntN(100) < 60 {
		return "ja"
	}
	return "en"
}

// pick returns a random element of list.
func pickOne[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// vocab holds the slot vocabularies of one language.
type vocab struct {
	screens, components, symptoms, actions, browsers, envs []string
}

var vocabs = map[string]*vocab{
	"ja": {
		screens: []string{"ログイン", "会員登録", "パスワード再設定", "検索結果", "商品詳細", "カート", "決済", "注文履歴",
			"マイページ", "管理画面", "ダッシュボード", "ユーザー設定", "通知一覧", "月次レポート", "CSVエクスポート",
			"請求書発行", "在庫一覧", "問い合わせフォーム", "トップページ", "お知らせ", "ファイルアップロード", "権限設定",
			"プロフィール編集", "予約カレンダー", "チャット", "見積作成", "承認フロー", "ヘルプ"},
		components: []string{"APIサーバー", "バッチ処理", "認証基盤", "検索エンジン", "メール配信", "決済モジュール",
			"フロントエンド", "iOSアプリ", "Androidアプリ", "データベース", "キャッシュ層", "ジョブキュー", "ログ基盤",
			"監視設定", "CI/CDパイプライン", "画像変換処理", "PDF出力", "外部連携API"},
		symptoms: []string{"でエラーが発生する", "の表示が崩れる", "のレスポンスが遅い", "で500エラーになる",
			"で文字化けする", "のボタンが押せない", "でセッションが切れる", "の件数が合わない", "で二重登録される",
			"のタイムアウトが頻発する", "で画像が表示されない", "の並び順がおかしい", "でメモリ使用量が増え続ける",
			"の日付がずれる", "で入力内容が消える"},
		actions: []string{"の文言を修正する", "にバリデーションを追加する", "のUIを改善する", "をリファクタリングする",
			"のテストを追加する", "の仕様を確認する", "をリニューアルする", "のパフォーマンスを改善する",
			"にログ出力を追加する", "を多言語対応する", "のアクセス権限を見直す", "をライブラリ更新に追従させる"},
		browsers: []string{"Chrome", "Firefox", "Safari", "Edge", "iPhone 15", "Pixel 8", "iPad"},
		envs:     []string{"本番環境", "ステージング環境", "開発環境", "検証環境", "ローカル環境"},
	},
	"en": {
		screens: []string{"login", "sign-up", "password reset", "search results", "product detail", "cart",
			"checkout", "order history", "account", "admin console", "dashboard", "user settings",
			"notifications", "monthly report", "CSV export", "invoice", "inventory", "contact form", "home page",
			"file upload", "permissions", "calendar", "chat", "quote builder", "approval flow"},
		components: []string{"API server", "batch job", "auth service", "search index", "mailer", "payment module",
			"frontend", "iOS app", "Android app", "database", "cache layer", "job queue", "logging pipeline",
			"monitoring", "CI pipeline", "image resizer", "PDF renderer", "partner API"},
		symptoms: []string{"throws an error", "layout is broken", "is slow to respond", "returns HTTP 500",
			"shows garbled characters", "button does not respond", "logs the user out", "shows wrong totals",
			"creates duplicate records", "times out intermittently", "does not show images", "sorts incorrectly",
			"leaks memory", "shows dates off by one day", "loses form input"},
		actions: []string{"fix wording", "add validation", "improve UI", "refactor", "add tests", "clarify spec",
			"redesign", "improve performance", "add logging", "localize", "review permissions", "upgrade dependencies"},
		browsers: []string{"Chrome", "Firefox", "Safari", "Edge", "iPhone 15", "Pixel 8", "iPad"},
		envs:     []string{"production", "staging", "development", "QA", "local"},
	},
}

var (
	summaryTemplates = map[string][]string{
		"ja": {"{S}画面{X}", "{S}画面{A}", "{C}{X}", "{C}{A}", "【{E}】{S}画面{X}", "{B}で{S}画面{X}",
			"{S}の仕様変更対応", "{C}のバージョンアップ対応", "{S}画面の改善要望", "【至急】{C}{X}", "{S}機能の追加",
			"{V}リリース準備", "{S}画面のデザイン修正", "{C}の調査"},
		"en": {"{S} page {X}", "{S}: {A}", "{C} {X}", "{C}: {A}", "[{E}] {S} {X}", "{S} {X} on {B}",
			"Spec change for {S}", "Upgrade {C}", "Feature request: better {S}", "[Urgent] {C} {X}",
			"Add {S} feature", "Prepare release {V}", "Polish {S} design", "Investigate {C}"},
	}
	descriptionTemplates = map[string][]string{
		"ja": {
			"## 概要\n{S}画面{X}。\n\n## 再現手順\n1. {E}にログインする\n2. {S}画面を開く\n3. {B}で操作する\n\n## 期待する結果\n正常に表示されること。\n\n## 実際の結果\n{C}{X}。",
			"{C}{A}。\n対象: {S}画面\n期限: {D}",
			"お客様から問い合わせがありました。\n{B}で{S}画面{X}とのことです。\n調査をお願いします。",
			"{V}に向けて{S}画面{A}。\n詳細は仕様書を参照してください。",
			"",
			"{E}で発生しています。ログを添付します。\n- 発生日: {D}\n- 件数: 約{N}件",
		},
		"en": {
			"## Summary\nThe {S} page {X}.\n\n## Steps to reproduce\n1. Sign in to {E}\n2. Open {S}\n3. Use {B}\n\n## Expected\nIt works.\n\n## Actual\nThe {C} {X}.",
			"We need to {A} in the {C}.\nScope: {S}\nDue: {D}",
			"A customer reported that {S} {X} on {B}. Please investigate.",
			"For {V}: {A} on the {S} page. See the spec for details.",
			"",
			"Happens on {E}. Logs attached.\n- first seen: {D}\n- occurrences: about {N}",
		},
	}
	commentTemplates = map[string][]string{
		"ja": {"確認しました。", "{E}で再現しました。", "修正しました。レビューをお願いします。",
			"{U}さん、確認をお願いします。", "原因は{C}の設定ミスでした。", "{R}で対応中です。",
			"{E}にリリースしました。", "仕様について確認させてください。{S}画面の挙動は想定どおりでしょうか？",
			"対応ありがとうございます！", "見積もりは{N}時間です。", "再現しませんでした。手順を教えていただけますか？",
			"{D}までに対応予定です。", "優先度を上げました。", "関連する課題を確認中です。", "テストが完了しました。",
			"{B}でも確認済みです。", "ログを確認したところ、{C}{X}ようです。", "了解です。"},
		"en": {"Confirmed.", "Reproduced on {E}.", "Fixed, please review.", "@{U} could you take a look?",
			"Root cause was a misconfiguration of the {C}.", "Working on it in {R}.", "Deployed to {E}.",
			"Quick question about the spec: is the {S} behaviour expected?", "Thanks for the fix!",
			"Estimate: {N} hours.", "Cannot reproduce. Could you share the steps?", "Planned for {D}.",
			"Raised the priority.", "Checking related issues.", "Testing done.", "Also verified on {B}.",
			"Logs suggest the {C} {X}.", "Sounds good."},
	}
	closeTemplates = map[string][]string{
		"ja": {"対応完了しました。", "{E}へのリリースが完了したためクローズします。", "問題ないことを確認しました。完了とします。",
			"対応不要となったためクローズします。", "重複のためクローズします。"},
		"en": {"Done.", "Released to {E}; closing.", "Verified, closing.", "No longer needed; closing.",
			"Duplicate; closing."},
	}
	wikiPages = map[string][]string{
		"ja": {"Home", "開発環境構築", "コーディング規約", "リリース手順", "議事録/{D}", "仕様/{S}画面", "運用/障害対応フロー",
			"運用/監視項目一覧", "設計/{C}", "FAQ", "用語集", "オンボーディング", "テスト方針", "ブランチ運用"},
		"en": {"Home", "Development setup", "Coding conventions", "Release process", "Minutes/{D}", "Spec/{S}",
			"Ops/Incident response", "Ops/Monitoring", "Design/{C}", "FAQ", "Glossary", "Onboarding", "Test strategy",
			"Branching model"},
	}
	wikiBodies = map[string][]string{
		"ja": {"# {S}\n\n{C}の設計メモです。\n\n## 方針\n- {A}\n- {E}で検証する\n\n## 更新履歴\n- {D} 作成",
			"# 手順\n1. リポジトリをクローンする\n2. `make setup` を実行する\n3. {E}に接続する\n\n不明点は{U}さんまで。",
			"## 議題\n- {S}画面の進捗\n- {C}の課題\n\n## 決定事項\n- {V}で対応する",
			"[[Home]] に戻る\n\n|項目|内容|\n|---|---|\n|担当|{U}|\n|期限|{D}|"},
		"en": {"# {S}\n\nDesign notes for the {C}.\n\n## Approach\n- {A}\n- verify on {E}\n\n## History\n- {D} created",
			"# Steps\n1. Clone the repository\n2. Run `make setup`\n3. Connect to {E}\n\nAsk {U} if anything is unclear.",
			"## Agenda\n- {S} progress\n- {C} issues\n\n## Decisions\n- ship in {V}",
			"Back to [[Home]]\n\n|Item|Value|\n|---|---|\n|Owner|{U}|\n|Due|{D}|"},
	}
	wikiEdits = map[string][]string{
		"ja": {"\n\n## 追記 {D}\n{C}の設定を変更しました。", "\n- {D} {U}さんが更新", "\n\n※{V}以降は手順が変わります。"},
		"en": {"\n\n## Update {D}\nChanged the {C} settings.", "\n- {D} updated by {U}", "\n\nNote: steps change after {V}."},
	}
	documentTitles = map[string][]string{
		"ja": {"要件定義書", "基本設計書: {S}画面", "詳細設計: {C}", "テスト計画", "リリースノート {V}", "議事録 {D}",
			"障害報告書 {D}", "運用マニュアル", "API仕様: {C}", "振り返り {D}"},
		"en": {"Requirements", "Design: {S}", "Detailed design: {C}", "Test plan", "Release notes {V}", "Minutes {D}",
			"Incident report {D}", "Operations manual", "API spec: {C}", "Retrospective {D}"},
	}
	prSummaries = map[string][]string{
		"ja": {"{S}画面{X}問題を修正", "{C}{A}", "{S}画面の改善", "{C}の依存ライブラリ更新", "{V}リリース対応"},
		"en": {"Fix: {S} {X}", "{C}: {A}", "Improve {S}", "Bump {C} dependencies", "Release {V}"},
	}
	branchWords = []string{"login", "search", "cart", "checkout", "report", "export", "auth", "batch", "mailer",
		"cache", "ui", "api", "perf", "i18n", "deps"}
	sharedDirs = []string{"/設計書/", "/設計書/画面/", "/設計書/API/", "/議事録/", "/議事録/2024/", "/議事録/2025/",
		"/画像/", "/画像/スクリーンショット/", "/契約書/", "/リリースノート/", "/テスト仕様書/", "/docs/", "/docs/design/",
		"/assets/"}
	fileStems = []string{"要件定義書", "画面設計書", "API仕様書", "議事録", "見積書", "テスト結果", "スクリーンショット",
		"ワイヤーフレーム", "architecture", "release-notes", "screenshot", "error", "budget", "schedule"}
	fileExts  = []string{".xlsx", ".pdf", ".docx", ".png", ".jpg", ".pptx", ".log", ".csv", ".zip", ".md"}
	repoNames = []string{"web-frontend", "api-server", "mobile-app", "infra", "batch", "admin-console", "docs",
		"design-system", "data-pipeline", "auth-service"}
	versionNames  = []string{"v1.0.0", "v1.1.0", "v1.2.0", "v2.0.0", "v2.1.0", "v2.2.0", "v3.0.0", "v3.1.0"}
	categoryNames = []string{"フロントエンド", "バックエンド", "インフラ", "デザイン", "ドキュメント", "テスト", "Mobile",
		"Security", "Performance", "運用"}
	statusNames        = []string{"レビュー中", "確認待ち", "保留", "Ready for QA", "Blocked"}
	customStatusColors = []string{"#ea2c00", "#e87758", "#e07b9a", "#868cb7", "#3b9dbd", "#4caf93", "#b0be3c",
		"#eda62a", "#f42858", "#393939"}
	extraIssueTypes = []struct{ Name, Color string }{{"改善", "#2779ca"}, {"調査", "#814fbc"},
		{"Spike", "#ff9200"}}
	teamNames = []string{"開発チーム", "デザインチーム", "QAチーム", "インフラチーム", "Sales", "Support",
		"Product", "Data"}
	projectNames = []struct{ Key, Name string }{
		{"WEB", "Webサイトリニューアル"}, {"APP", "Mobile App"}, {"INFRA", "インフラ基盤"},
		{"SUPPORT", "カスタマーサポート"}, {"DATA", "Data Platform"}, {"DESIGN", "デザインシステム"},
		{"EC", "ECサイト運用"}, {"HR", "社内ツール"}, {"API", "Public API"}, {"MKT", "マーケティング"},
	}
	familyNames = []string{"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田",
		"山田", "佐々木", "松本", "井上"}
	givenNames = []string{"太郎", "花子", "健太", "美咲", "翔", "陽菜", "大輔", "さくら", "拓也", "愛"}
	enFirst    = []string{"Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy",
		"Mallory", "Oscar", "Peggy", "Trent", "Victor", "Wendy"}
	enLast = []string{"Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas", "Clark"}
	romaji = map[string]string{"佐藤": "sato", "鈴木": "suzuki", "高橋": "takahashi", "田中": "tanaka",
		"伊藤": "ito", "渡辺": "watanabe", "山本": "yamamoto", "中村": "nakamura", "小林": "kobayashi",
		"加藤": "kato", "吉田": "yoshida", "山田": "yamada", "佐々木": "sasaki", "松本": "matsumoto", "井上": "inoue"}
)

// fill expands the slots of a template in language lang.
func (c *corpus) fill(lang, tmpl string) string {
	if strings.IndexByte(tmpl, '{') < 0 {
		return tmpl
	}
	v := vocabs[lang]
	var b strings.Builder
	b.Grow(len(tmpl) + 32)
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 || i+2 >= len(tmpl) || tmpl[i+2] != '}' {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		switch tmpl[i+1] {
		case 'S':
			b.WriteString(pickOne(c.r, v.screens))
		case 'C':
			b.WriteString(pickOne(c.r, v.components))
		case 'X':
			b.WriteString(pickOne(c.r, v.symptoms))
		case 'A':
			b.WriteString(pickOne(c.r, v.actions))
		case 'B':
			b.WriteString(pickOne(c.r, v.browsers))
		case 'E':
			b.WriteString(pickOne(c.r, v.envs))
		case 'N':
			b.WriteString(strconv.Itoa(1 + c.r.IntN(48)))
		case 'V':
			b.WriteString(pickOne(c.r, versionNames))
		case 'D':
			b.WriteString(c.date)
		case 'R':
			b.WriteString(c.branch())
		case 'F':
			b.WriteString(c.fileName())
		case 'U':
			b.WriteString(c.person)
		default:
			b.WriteString(tmpl[i : i+3])
		}
		tmpl = tmpl[i+3:]
	}
}

// text fills a random template of the named family in language lang.
func (c *corpus) text(family map[string][]string, lang string) string {
	return c.fill(lang, pickOne(c.r, family[lang]))
}

// branch returns a branch name such as "feature/login-123".
func (c *corpus) branch() string {
	prefix := "feature/"
	if c.r.IntN(3) == 0 {
		prefix = "fix/"
	}
	return prefix + pickOne(c.r, branchWords) + "-" + strconv.Itoa(1+c.r.IntN(999))
}

// fileName returns an attachment or shared-file name.
func (c *corpus) fileName() string {
	stem := pickOne(c.r, fileStems)
	if c.r.IntN(2) == 0 {
		stem += "_" + c.date
	} else if c.r.IntN(3) == 0 {
		stem += "_v" + strconv.Itoa(1+c.r.IntN(5))
	}
	return stem + pickOne(c.r, fileExts)
}

// fileSize returns a plausible file size in bytes (log-uniform 1 KiB–20 MiB).
func (c *corpus) fileSize() int64 {
	return int64(1024) << c.r.IntN(15) / int64(1+c.r.IntN(4))
}

// hexString returns n random lowercase hex digits (commit hashes).
func (c *corpus) hexString(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[c.r.IntN(16)]
	}
	return string(b)
}
