package lambdaapi

import (
	"regexp"
	"sync"
)

const latest = "$LATEST"

// regionPattern is the model's region syntax (us-east-1, us-gov-west-1,
// eusc-de-east-1, ...).
const regionPattern = `(?:eusc-)?[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d`

// refRE is the model's NamespacedFunctionName pattern with named groups: a
// name, name:qualifier, a full ARN or a partial ARN (ACCOUNT:function:NAME,
// REGION:ACCOUNT:function:NAME, ...).
// It is compiled on first use, to keep it off the server's start-up.
var refRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:(?P<arnRegion>` + regionPattern + `):(?P<arnAccount>\d{12}):` +
		`|(?:(?P<region>` + regionPattern + `):)?(?:(?P<account>\d{12}):)?)` +
		`(?:function:)?(?P<name>[a-zA-Z0-9-_.]+)(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9-_]+))?$`)
})

// funcRef is a parsed function reference.
type funcRef struct {
	region    string // from the ARN, or ""
	account   string // from the ARN, or ""
	name      string
	qualifier string // from the name suffix, or ""
}

// parseRef parses every FunctionName form of the model. ok is false when ref
// matches none.
func parseRef(ref string) (funcRef, bool) {
	re := refRE()
	m := re.FindStringSubmatch(ref)
	if m == nil {
		return funcRef{}, false
	}
	g := func(name string) string { return m[re.SubexpIndex(name)] }
	r := funcRef{name: g("name"), qualifier: g("qualifier"), region: g("arnRegion"), account: g("arnAccount")}
	if r.region == "" {
		r.region = g("region")
	}
	if r.account == "" {
		r.account = g("account")
	}
	return r, true
}

// regionRE limits regions to what can safely name a directory; the model's
// stricter syntax is not required so that made-up local regions work too.
var regionRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,49}$`) })

func validRegion(r string) bool { return regionRE().MatchString(r) }
