package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/muster-cms/muster/httpapi/internal/api"
	"github.com/muster-cms/muster/sim"
)

// Every refusal of a request before its handler runs passes through
// requestError: the OpenAPI validator's (validateRequests), and the
// generated code's own binding of path and query parameters and of the
// body, which the validator should already have caught. The URL's and the
// body's bytes (cleanURL, readBody) are refused before either, in the same
// words. So each refusal names the field at fault — a query or path
// parameter by its name, a part of the body by its JSON path such as
// profile.first_name or org_ids[1] — and says what the value must be,
// from the document's own schema: never a regular expression, a Go type
// or a library's phrasing.
//
// A string or a list over its length limit is 422 invalid, as the domain's
// own check (sim) answers it, whatever its length: the document's
// maxLength and maxItems are sim's limits (TestDocumentLimitsAreSims).
// Everything else is 400 malformed.

// requestError describes err, met while reading a request, as the error
// to answer with.
func requestError(err error) error {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Parameter != nil {
		return parameterError(re)
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return schemaError(jsonPath(se.JSONPointer()), se)
	}
	if re != nil {
		switch {
		case strings.Contains(re.Error(), "Content-Type"):
			return malformed("send the body as JSON, with the header Content-Type: application/json", "")
		case errors.Is(re.Err, openapi3filter.ErrInvalidRequired) || strings.Contains(re.Error(), "value is required but missing"):
			return malformed("a JSON request body is required", "")
		}
		return malformed("the request body is not valid JSON of the expected shape", "")
	}
	if name, cause, ok := boundParameter(err); ok {
		s := parameterSchema(name)
		if cause == nil {
			return malformed(name+" is required", name)
		}
		return malformed(name+" "+wants(s), name)
	}
	return decodeError(err)
}

// parameterError describes a path or query parameter the document
// refused: its field is the parameter's name, whichever item of a list
// (state=interested&state=hired) was at fault.
func parameterError(re *openapi3filter.RequestError) error {
	name := re.Parameter.Name
	var se *openapi3.SchemaError
	if errors.As(re.Err, &se) {
		return schemaError(name, se)
	}
	if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
		return malformed(name+" is required", name)
	}
	// A value that could not even be read as its type (limit=ten).
	var s *openapi3.Schema
	if re.Parameter.Schema != nil {
		s = re.Parameter.Schema.Value
	}
	if s != nil && s.Type.Is(openapi3.TypeArray) && s.Items != nil {
		s = s.Items.Value
	}
	return malformed(name+" "+wants(s), name)
}

// schemaError describes a value at field that broke its schema.
func schemaError(field string, se *openapi3.SchemaError) error {
	s := se.Schema
	subject := field
	if subject == "" {
		subject = "the request body"
	}
	reason := se.Reason
	switch {
	case strings.HasPrefix(reason, "property ") && strings.HasSuffix(reason, " is unsupported"):
		name := strings.Trim(strings.TrimSuffix(strings.TrimPrefix(reason, "property "), " is unsupported"), `"`)
		if field != "" {
			name = field + "." + name
		}
		return malformed(fmt.Sprintf("unknown field %q: leave it out", name), name)
	case se.SchemaField == "required":
		// The pointer already ends with the missing property.
		return malformed(subject+" is required", field)
	case se.SchemaField == "nullable" || strings.EqualFold(reason, "value is not nullable"):
		return malformed(subject+" must not be null", field)
	case s != nil && se.SchemaField == "maxLength" && s.MaxLength != nil:
		return sim.FieldError(field, "%s must be at most %d characters", subject, *s.MaxLength)
	case s != nil && se.SchemaField == "maxItems" && s.MaxItems != nil:
		return sim.FieldError(field, "%s must have at most %d %s", subject, *s.MaxItems, plural(*s.MaxItems, "item", "items"))
	case s != nil && se.SchemaField == "minLength" && s.MinLength == 1:
		return malformed(subject+" must not be empty", field)
	case s != nil && se.SchemaField == "minLength":
		return malformed(fmt.Sprintf("%s must be at least %d characters", subject, s.MinLength), field)
	case s != nil && se.SchemaField == "minItems":
		return malformed(fmt.Sprintf("%s must have at least %d %s", subject, s.MinItems, plural(s.MinItems, "item", "items")), field)
	case s != nil && se.SchemaField == "uniqueItems":
		return malformed(subject+" must not name the same value twice", field)
	case isNumber(s) && (strings.Contains(reason, "json.Number") || strings.Contains(reason, "float64") || strings.Contains(reason, "out of range")):
		return malformed(subject+" is not a number that can be read", field)
	}
	return malformed(subject+" "+wants(s), field)
}

// wants says what a value of schema s must be, in words.
func wants(s *openapi3.Schema) string {
	if s == nil {
		return "is not valid"
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = fmt.Sprint(v)
		}
		return "must be one of " + strings.Join(vals, ", ")
	}
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		return "must be a whole number" + rangeOf(s)
	case s.Type.Is(openapi3.TypeNumber):
		return "must be a number" + rangeOf(s)
	case s.Type.Is(openapi3.TypeBoolean):
		return "must be true or false"
	case s.Type.Is(openapi3.TypeArray):
		if s.Items != nil && s.Items.Value != nil {
			return "must be a list, each item of which " + wants(s.Items.Value)
		}
		return "must be a list"
	case s.Type.Is(openapi3.TypeObject):
		return "must be a JSON object"
	case s.Type.Is(openapi3.TypeString):
		switch s.Format {
		case "date":
			return "must be a date like 2026-12-01 (YYYY-MM-DD)"
		case "date-time":
			return "must be a date and time like 2026-12-01T09:00:00Z"
		case "uuid":
			return "must be an ID like 5b1f0c3e-8a2d-4e7f-9b6c-1d4a7e2f9c80"
		case "byte":
			return "must be base64"
		}
		return "must be a string"
	}
	return "is not valid"
}

// rangeOf says the bounds of a number, if it has any.
func rangeOf(s *openapi3.Schema) string {
	num := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	switch {
	case s.Min != nil && s.Max != nil:
		return " between " + num(*s.Min) + " and " + num(*s.Max)
	case s.Min != nil:
		return " of at least " + num(*s.Min)
	case s.Max != nil:
		return " of at most " + num(*s.Max)
	}
	return ""
}

func isNumber(s *openapi3.Schema) bool {
	return s != nil && (s.Type.Is(openapi3.TypeInteger) || s.Type.Is(openapi3.TypeNumber))
}

func plural(n uint64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// jsonPath writes a JSON pointer's parts as a path: object keys joined by
// dots, array indexes in brackets (profile.skills[1]).
func jsonPath(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err == nil && b.Len() > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// boundParameter reports the parameter the generated code could not bind,
// and why (nil when it was required and missing).
func boundParameter(err error) (name string, cause error, ok bool) {
	var (
		ipf *api.InvalidParamFormatError
		req *api.RequiredParamError
		hdr *api.RequiredHeaderError
		unm *api.UnmarshalingParamError
		tmv *api.TooManyValuesForParamError
		uck *api.UnescapedCookieParamError
	)
	switch {
	case errors.As(err, &ipf):
		return ipf.ParamName, err, true
	case errors.As(err, &req):
		return req.ParamName, nil, true
	case errors.As(err, &hdr):
		return hdr.ParamName, nil, true
	case errors.As(err, &unm):
		return unm.ParamName, err, true
	case errors.As(err, &tmv):
		return tmv.ParamName, err, true
	case errors.As(err, &uck):
		return uck.ParamName, err, true
	}
	return "", nil, false
}

var (
	parameterSchemasOnce sync.Once
	parameterSchemas     map[string]*openapi3.Schema
)

// parameterSchema is the schema of the document's parameter called name
// (a name means the same thing on every route that has it), nil if none.
func parameterSchema(name string) *openapi3.Schema {
	parameterSchemasOnce.Do(func() {
		parameterSchemas = map[string]*openapi3.Schema{}
		spec, err := api.GetSwagger()
		if err != nil {
			return
		}
		add := func(ps openapi3.Parameters) {
			for _, p := range ps {
				if p.Value == nil || p.Value.Schema == nil || p.Value.Schema.Value == nil {
					continue
				}
				s := p.Value.Schema.Value
				if s.Type.Is(openapi3.TypeArray) && s.Items != nil {
					s = s.Items.Value
				}
				parameterSchemas[p.Value.Name] = s
			}
		}
		for _, item := range spec.Paths.Map() {
			add(item.Parameters)
			for _, op := range item.Operations() {
				add(op.Parameters)
			}
		}
	})
	return parameterSchemas[name]
}

// decodeError explains a body that passed the document but could not be
// decoded into its Go type: a backstop, as the document should catch all
// of these first.
func decodeError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := jsonPath(strings.Split(te.Field, "."))
		return malformed(fmt.Sprintf("%s must be %s", field, describeType(te.Type.Kind().String())), field)
	}
	var pe *time.ParseError
	if errors.As(err, &pe) {
		return malformed("a date must be in the form YYYY-MM-DD", "")
	}
	return malformed("the request body could not be read as JSON of the expected shape", "")
}

func describeType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice", kind == "array":
		return "a list"
	case kind == "struct", kind == "map":
		return "a JSON object"
	}
	return "of another type"
}
