package firsthour

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// skipDirs are never walked: tools' and build output, git's own files.
var skipDirs = map[string]bool{".git": true, "node_modules": true, "bin": true, "artifacts": true}

// TestMarkdownLinksResolve checks every relative link of every Markdown
// file of the repository: the file or directory exists, and a #fragment
// names a heading of the Markdown file it points at (GitHub's anchors).
// Links inside code are not links; absolute URLs are not checked.
func TestMarkdownLinksResolve(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".md") {
			return nil
		}
		files++
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, l := range links(string(text)) {
			if problem := checkLink(path, l.target); problem != "" {
				t.Errorf("%s:%d: link %q: %s", rel, l.line, l.target, problem)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Fatalf("only %d Markdown files found under %s: the walk is broken", files, root)
	}
}

func TestLinkChecking(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page := filepath.Join(dir, "page.md")
	body := "# Title\n\n## Pagination (every list)\n\n## `code` and *more*\n\n## Title\n\n```sh\n[not a link](missing.md)\n```\n" +
		"See [this](#pagination-every-list), `[code](missing.md)`, [x](sub/) and\n[ref]: other.md#nowhere\n"
	if err := os.WriteFile(page, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, l := range links(body) {
		targets = append(targets, l.target)
	}
	if strings.Join(targets, " ") != "#pagination-every-list sub/ other.md#nowhere" {
		t.Errorf("links = %q", targets)
	}
	tests := []struct {
		target string
		ok     bool
	}{
		{"#pagination-every-list", true},
		{"#code-and-more", true},
		{"#title-1", true},
		{"#title-2", false},
		{"page.md#title", true},
		{"sub/", true},
		{"missing.md", false},
		{"page.md#nowhere", false},
		{"https://example.com/missing.md", true},
		{"mailto:a@example.com", true},
	}
	for _, tt := range tests {
		if got := checkLink(page, tt.target) == ""; got != tt.ok {
			t.Errorf("checkLink(%q) ok = %v, want %v", tt.target, got, tt.ok)
		}
	}
}

type link struct {
	line   int
	target string
}

var (
	fenceRE      = regexp.MustCompile("^\\s*(```|~~~)")
	codeSpanRE   = regexp.MustCompile("`[^`]*`")
	inlineLinkRE = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	refLinkRE    = regexp.MustCompile(`^\s*\[[^\]]+\]:\s*(\S+)`)
)

// links returns the link targets of a Markdown text, outside code blocks
// and code spans.
func links(text string) []link {
	var out []link
	inFence := false
	for i, line := range strings.Split(text, "\n") {
		if fenceRE.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		line = codeSpanRE.ReplaceAllString(line, "")
		if m := refLinkRE.FindStringSubmatch(line); m != nil {
			out = append(out, link{i + 1, m[1]})
			continue
		}
		for _, m := range inlineLinkRE.FindAllStringSubmatch(line, -1) {
			out = append(out, link{i + 1, m[1]})
		}
	}
	return out
}

// checkLink says what is wrong with target, a link of the Markdown file
// from, or "" when it resolves.
func checkLink(from, target string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	path, fragment, _ := strings.Cut(target, "#")
	file := from
	if path != "" {
		file = filepath.Join(filepath.Dir(from), filepath.FromSlash(path))
		if _, err := os.Stat(file); err != nil {
			return "no such file or directory"
		}
	}
	if fragment == "" || !strings.HasSuffix(file, ".md") {
		return ""
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	for _, a := range anchors(string(text)) {
		if a == fragment {
			return ""
		}
	}
	return "no heading with the anchor #" + fragment + " in " + filepath.Base(file)
}

var headingRE = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)

// anchors returns the anchors GitHub gives the headings of a Markdown
// text: lower case, punctuation dropped, spaces to hyphens, and -1, -2, ...
// appended to repeats.
func anchors(text string) []string {
	var out []string
	seen := map[string]int{}
	inFence := false
	for _, line := range strings.Split(text, "\n") {
		if fenceRE.MatchString(line) {
			inFence = !inFence
			continue
		}
		m := headingRE.FindStringSubmatch(line)
		if inFence || m == nil {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out = append(out, a+"-"+strconv.Itoa(n))
		} else {
			out = append(out, a)
		}
		seen[a]++
	}
	return out
}
