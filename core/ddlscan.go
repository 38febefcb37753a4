package core

import (
	"regexp"
	"strings"
)

// createdRelationRe finds the statements that give a relation a name in the
// current schema: CREATE [GLOBAL|LOCAL] [TEMP|UNLOGGED] TABLE [IF NOT
// EXISTS] name, CREATE [OR REPLACE] [MATERIALIZED] VIEW [IF NOT EXISTS]
// name, CREATE FOREIGN TABLE name, and ALTER TABLE … RENAME TO name. It runs
// on text whose comments and literals are blanked out.
var createdRelationRe = regexp.MustCompile(`(?is)` +
	`(?:\bcreate\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?(?:(?:temp|temporary|unlogged|materialized|foreign|recursive)\s+)?(?:table|view)\s+(?:if\s+not\s+exists\s+)?` +
	`|\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?` + identPattern + `(?:\s*\.\s*` + identPattern + `)?\s*\*?\s+rename\s+to\s+)` +
	`(` + identPattern + `(?:\s*\.\s*` + identPattern + `)?)`)

// identPattern is one SQL identifier, quoted or not.
const identPattern = `(?:"(?:[^"]|"")+"|[\p{L}_][\p{L}\p{N}_$]*)`

var identRe = regexp.MustCompile(identPattern)

// CreatedRelations lists, in order and without repeats, the names of the
// tables and views that a migration's SQL creates (or renames a table to).
// The scan is conservative: it blanks out comments, string literals and
// dollar-quoted bodies first, folds unquoted names to lower case as
// PostgreSQL does, and keeps only the last part of a qualified name. It
// exists to refuse tenant tables that would shadow shared ones, so a false
// positive only costs a rename.
func CreatedRelations(sql string) []string {
	clean := blankCommentsAndLiterals(sql)
	var out []string
	seen := map[string]bool{}
	for _, m := range createdRelationRe.FindAllStringSubmatch(clean, -1) {
		parts := identRe.FindAllString(m[1], -1)
		if len(parts) == 0 {
			continue
		}
		name := unquoteIdent(parts[len(parts)-1])
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// unquoteIdent turns an identifier as written into its stored name.
func unquoteIdent(s string) string {
	if strings.HasPrefix(s, `"`) {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}

// blankCommentsAndLiterals replaces comments, string literals and
// dollar-quoted strings with spaces (quoted identifiers are kept), so a
// keyword inside them is not taken for a statement.
func blankCommentsAndLiterals(sql string) string {
	b := []byte(sql)
	blank := func(from, to int) {
		for i := from; i < to && i < len(b); i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	for i := 0; i < len(b); {
		switch {
		case b[i] == '-' && i+1 < len(b) && b[i+1] == '-':
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				end = len(b) - i
			}
			blank(i, i+end)
			i += end
		case b[i] == '/' && i+1 < len(b) && b[i+1] == '*':
			end := blockCommentEnd(sql, i)
			blank(i, end)
			i = end
		case b[i] == '\'':
			end := quotedEnd(sql, i, '\'')
			blank(i, end)
			i = end
		case b[i] == '"':
			i = quotedEnd(sql, i, '"')
		case b[i] == '$':
			// A $ inside an identifier (a$b) never opens a dollar quote.
			if tag := dollarTag(sql[i:]); tag != "" && (i == 0 || !isIdentByte(sql[i-1])) {
				end := strings.Index(sql[i+len(tag):], tag)
				if end < 0 {
					end = len(b)
				} else {
					end = i + len(tag) + end + len(tag)
				}
				blank(i, end)
				i = end
				continue
			}
			i++
		default:
			i++
		}
	}
	return string(b)
}

// blockCommentEnd returns the index after the block comment starting at
// start; PostgreSQL's block comments nest.
func blockCommentEnd(sql string, start int) int {
	depth := 0
	for i := start; i+1 < len(sql); i++ {
		switch {
		case sql[i] == '/' && sql[i+1] == '*':
			depth++
			i++
		case sql[i] == '*' && sql[i+1] == '/':
			depth--
			i++
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(sql)
}

// quotedEnd returns the index after the quoted text starting at start, where
// a doubled quote stands for one. Backslash escapes of E'...' strings are
// honoured, which is harmless for standard strings that end in a backslash
// only in odd SQL.
func quotedEnd(sql string, start int, q byte) int {
	escapes := q == '\'' && start > 0 && (sql[start-1] == 'E' || sql[start-1] == 'e')
	for i := start + 1; i < len(sql); i++ {
		switch {
		case escapes && sql[i] == '\\':
			i++
		case sql[i] == q && i+1 < len(sql) && sql[i+1] == q:
			i++
		case sql[i] == q:
			return i + 1
		}
	}
	return len(sql)
}

var dollarTagRe = regexp.MustCompile(`^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$`)

// dollarTag returns the opening tag ($$ or $name$) at the start of s, or "".
func dollarTag(s string) string {
	return dollarTagRe.FindString(s)
}

// isIdentByte reports whether c may continue an unquoted identifier.
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
