package core

// MergePatch applies an RFC 7396 JSON merge patch to target and returns the
// result; target is not modified. In the patch, null deletes a key, an object
// merges into the object it replaces key by key, and any other value
// replaces. The patch must be a JSON object, since Settings always is one;
// otherwise it is a *ValidationError on field "settings". The result is not
// validated; call ValidateSettings for that.
func MergePatch(target Settings, patch []byte) (Settings, error) {
	obj, err := parseObject(patch)
	if err != nil {
		return nil, err
	}
	// canonical is a deep copy, so merging into it leaves target alone.
	base, err := target.canonical()
	if err != nil {
		return nil, err
	}
	return Settings(mergeObject(base, obj)), nil
}

// mergeObject merges patch into target, which it modifies and returns.
func mergeObject(target, patch map[string]any) map[string]any {
	for key, value := range patch {
		if value == nil {
			delete(target, key)
			continue
		}
		target[key] = mergeValue(target[key], value)
	}
	return target
}

// mergeValue is the MergePatch function of RFC 7396 for one value.
func mergeValue(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	return mergeObject(t, p)
}
