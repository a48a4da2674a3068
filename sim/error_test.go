package sim_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/muster-cms/muster/sim"
)

// Every code an *Error can carry is in sim.ErrorCodes, once: the E*
// constants and every Restriction, found in the package's own source so
// that a new one cannot be left out of the list (and so out of the HTTP
// API's status table and its document).
func TestErrorCodesListsEveryCode(t *testing.T) {
	t.Parallel()
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", nil, 0)
	require.NoError(t, err)
	code := regexp.MustCompile(`^E[A-Z]+$`)
	var found []string
	for name, pkg := range pkgs {
		if name != "sim" {
			continue
		}
		for _, f := range pkg.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					typed := false
					if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "Restriction" {
						typed = true
					}
					for i, n := range vs.Names {
						if !typed && !code.MatchString(n.Name) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						require.True(t, ok && lit.Kind == token.STRING, "%s is not a string literal", n.Name)
						v, err := strconv.Unquote(lit.Value)
						require.NoError(t, err)
						found = append(found, v)
					}
				}
			}
		}
	}
	require.GreaterOrEqual(t, len(found), 9+len(sim.Restrictions))
	require.ElementsMatch(t, found, sim.ErrorCodes, "sim.ErrorCodes must list every code, once")
}
