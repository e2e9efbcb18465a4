using System.Globalization;
using System.Text.Json.Nodes;

namespace Kube.Access.Testing.Internal;

/// <summary>The emulator's objects: one <see cref="ResourceStore"/> per resource and the apiserver's object rules.</summary>
internal sealed class EmulatorState
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private long _resourceVersion = 1000;
    private readonly Dictionary<string, ResourceStore> _stores = new(StringComparer.Ordinal);

    public EmulatorState(KubeApiEmulatorOptions options)
    {
        Options = options;
        foreach (var def in ResourceCatalog.All)
        {
            _stores[def.StoreKey] = new ResourceStore(def, this, options.WatchHistory, options.WatchBufferCapacity);
        }
    }

    public KubeApiEmulatorOptions Options { get; }

    public IEnumerable<ResourceStore> Stores => _stores.Values;

    public long CurrentResourceVersion => Interlocked.Read(ref _resourceVersion);

    public long NextResourceVersion() => Interlocked.Increment(ref _resourceVersion);

    public ResourceStore Store(ResourceDef def) => _stores[def.StoreKey];

    public ResourceStore Pods => Store(ResourceCatalog.Pods);
    public ResourceStore Services => Store(ResourceCatalog.Services);
    public ResourceStore Nodes => Store(ResourceCatalog.Nodes);
    public ResourceStore Namespaces => Store(ResourceCatalog.Namespaces);

    /// <summary>Called on objects being created or updated, before validation, to fill in what the apiserver would.</summary>
    public Action<ResourceDef, JsonObject, JsonObject?>? Defaulter { get; set; }

    public static string RandomSuffix(int length = 5)
    {
        Span<char> c = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            c[i] = NameAlphabet[Random.Shared.Next(NameAlphabet.Length)];
        }
        return new string(c);
    }

    public static string SafeEncode(string s)
    {
        var chars = new char[s.Length];
        for (var i = 0; i < s.Length; i++)
        {
            chars[i] = NameAlphabet[s[i] % NameAlphabet.Length];
        }
        return new string(chars);
    }

    private static void CheckTypeMeta(ResourceDef def, JsonObject body)
    {
        var kind = JsonUtil.Str(body["kind"]);
        var apiVersion = JsonUtil.Str(body["apiVersion"]);
        if (apiVersion is not null && apiVersion.Length > 0 && apiVersion != def.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({def.ApiVersion})");
        }
        if (kind is not null && kind.Length > 0 && kind != def.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({def.Kind})");
        }
        body["kind"] = def.Kind;
        body["apiVersion"] = def.ApiVersion;
        if (body["metadata"] is not null and not JsonObject)
        {
            throw ApiException.BadRequest("metadata must be an object");
        }
    }

    /// <summary>Creates an object (the POST verb). With <paramref name="dryRun"/> nothing is stored.</summary>
    public JsonObject Create(ResourceDef def, string? ns, JsonObject body, bool dryRun = false)
    {
        CheckTypeMeta(def, body);
        var meta = JsonUtil.Ensure(body, "metadata");
        if (def.Namespaced)
        {
            var bodyNs = JsonUtil.Str(meta["namespace"]);
            if (ns is null)
            {
                throw ApiException.PathNotFound();
            }
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta["namespace"] = ns;
            if (!Namespaces.TryGet("", ns, out _))
            {
                throw ApiException.NotFound(ResourceCatalog.Namespaces, ns);
            }
        }
        else
        {
            meta.Remove("namespace");
            ns = "";
        }
        var name = JsonUtil.Str(meta["name"]);
        if (string.IsNullOrEmpty(name))
        {
            var generateName = JsonUtil.Str(meta["generateName"]);
            if (string.IsNullOrEmpty(generateName))
            {
                throw ApiException.Invalid(def, "", [FieldError.Required("metadata.name", "name or generateName is required")]);
            }
            name = generateName + RandomSuffix();
            meta["name"] = name;
        }
        foreach (var k in new[] { "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink", "managedFields" })
        {
            meta.Remove(k);
        }
        JsonObject? created = null;
        var store = Store(def);
        store.Mutate(StoredObject.MakeKey(ns, name), (current, nextRv) =>
        {
            if (current is not null)
            {
                throw ApiException.AlreadyExists(def, name);
            }
            Defaulter?.Invoke(def, body, null);
            Validation.Validate(def, body, name);
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = JsonUtil.Now();
            if (def.Group == "apps")
            {
                meta["generation"] = 1;
            }
            if (dryRun)
            {
                meta["resourceVersion"] = JsonUtil.Rv(CurrentResourceVersion);
                created = body;
                return Mutation.Unchanged();
            }
            meta["resourceVersion"] = JsonUtil.Rv(nextRv());
            var stored = StoredObject.FromNode(body);
            created = body;
            return Mutation.Put(stored);
        });
        return created!;
    }

    /// <summary>Replaces an object (PUT) or, with <paramref name="subresource"/> "status", only its status.</summary>
    public JsonObject Update(ResourceDef def, string ns, string name, JsonObject body, string? subresource, bool dryRun = false)
    {
        CheckTypeMeta(def, body);
        var meta = JsonUtil.Ensure(body, "metadata");
        var bodyName = JsonUtil.Str(meta["name"]);
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }
        if (def.Namespaced)
        {
            var bodyNs = JsonUtil.Str(meta["namespace"]);
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
        }
        return Replace(def, ns, name, _ => body, subresource, dryRun) ?? throw ApiException.NotFound(def, name);
    }

    /// <summary>Patches an object (PATCH) with a merge, strategic-merge or JSON patch.</summary>
    public JsonObject Patch(ResourceDef def, string ns, string name, string contentType, byte[] patch, string? subresource, bool dryRun = false)
        => Replace(def, ns, name, current => Patching.Apply(current, contentType, patch), subresource, dryRun) ?? throw ApiException.NotFound(def, name);

    /// <summary>Reads the current object, computes its replacement and stores it atomically (conflict-checked).</summary>
    public JsonObject? Replace(ResourceDef def, string ns, string name, Func<JsonObject, JsonObject> compute, string? subresource, bool dryRun = false)
    {
        JsonObject? result = null;
        Store(def).Mutate(StoredObject.MakeKey(ns, name), (current, nextRv) =>
        {
            if (current is null)
            {
                throw ApiException.NotFound(def, name);
            }
            var old = current.ToNode();
            var proposed = compute((JsonObject)old.DeepClone());
            CheckTypeMeta(def, proposed);
            var meta = JsonUtil.Ensure(proposed, "metadata");
            var oldMeta = (JsonObject)old["metadata"]!;
            var sentRv = JsonUtil.Str(meta["resourceVersion"]);
            if (!string.IsNullOrEmpty(sentRv) && sentRv != JsonUtil.Str(oldMeta["resourceVersion"]))
            {
                throw ApiException.Conflict(def, name);
            }
            if (JsonUtil.Str(meta["name"]) is string n && n.Length > 0 && n != name)
            {
                throw ApiException.BadRequest($"the name of the object ({n}) does not match the name on the URL ({name})");
            }
            JsonObject next;
            if (subresource == "status")
            {
                next = (JsonObject)old.DeepClone();
                next["status"] = proposed["status"]?.DeepClone();
            }
            else
            {
                next = proposed;
                var hasStatus = def.Subresources.Any(s => s.Name == "status");
                if (hasStatus)
                {
                    next["status"] = old["status"]?.DeepClone();
                }
            }
            var nextMeta = JsonUtil.Ensure(next, "metadata");
            nextMeta["name"] = name;
            if (def.Namespaced)
            {
                nextMeta["namespace"] = ns;
            }
            foreach (var k in new[] { "uid", "creationTimestamp", "generation", "deletionTimestamp" })
            {
                if (oldMeta[k] is { } v)
                {
                    nextMeta[k] = v.DeepClone();
                }
                else
                {
                    nextMeta.Remove(k);
                }
            }
            if (subresource != "status")
            {
                Defaulter?.Invoke(def, next, old);
                Validation.Validate(def, next, name);
                if (def.Group == "apps" && old["spec"]?.ToJsonString() != next["spec"]?.ToJsonString())
                {
                    nextMeta["generation"] = (JsonUtil.Long(oldMeta["generation"]) ?? 1) + 1;
                }
            }
            nextMeta["resourceVersion"] = oldMeta["resourceVersion"]?.DeepClone();
            if (old.ToJsonString() == next.ToJsonString())
            {
                result = next;
                return Mutation.Unchanged();
            }
            if (dryRun)
            {
                result = next;
                return Mutation.Unchanged();
            }
            nextMeta["resourceVersion"] = JsonUtil.Rv(nextRv());
            result = next;
            return Mutation.Put(StoredObject.FromNode(next));
        });
        return result;
    }

    /// <summary>Deletes an object; returns its last state (stamped with the deletion's resourceVersion), or throws 404.</summary>
    public JsonObject Delete(ResourceDef def, string ns, string name, bool dryRun = false)
    {
        JsonObject? deleted = null;
        Store(def).Mutate(StoredObject.MakeKey(ns, name), (current, nextRv) =>
        {
            if (current is null)
            {
                throw ApiException.NotFound(def, name);
            }
            var node = current.ToNode();
            var meta = JsonUtil.Ensure(node, "metadata");
            if (dryRun)
            {
                deleted = node;
                return Mutation.Unchanged();
            }
            meta["resourceVersion"] = JsonUtil.Rv(nextRv());
            if (def.Kind == "Pod")
            {
                meta["deletionTimestamp"] = JsonUtil.Now();
                meta["deletionGracePeriodSeconds"] = 0;
            }
            deleted = node;
            return new Mutation(StoredObject.FromNode(node), true, false);
        });
        return deleted!;
    }

    /// <summary>Deletes without failing when the object is already gone (controllers, garbage collection).</summary>
    public void DeleteIfExists(ResourceDef def, string ns, string name)
    {
        try
        {
            Delete(def, ns, name);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
    }

    /// <summary>Creates or replaces an object as a controller does (no validation of user rules beyond defaulting).</summary>
    public StoredObject? Upsert(ResourceDef def, JsonObject body)
    {
        body["kind"] = def.Kind;
        body["apiVersion"] = def.ApiVersion;
        var meta = JsonUtil.Ensure(body, "metadata");
        var ns = def.Namespaced ? JsonUtil.Str(meta["namespace"]) ?? "default" : "";
        var name = JsonUtil.Str(meta["name"])!;
        return Store(def).Mutate(StoredObject.MakeKey(ns, name), (current, nextRv) =>
        {
            if (current is null)
            {
                meta["uid"] ??= Guid.NewGuid().ToString();
                meta["creationTimestamp"] ??= JsonUtil.Now();
                if (def.Group == "apps")
                {
                    meta["generation"] ??= 1;
                }
                Defaulter?.Invoke(def, body, null);
            }
            else
            {
                var old = current.ToNode();
                var oldMeta = (JsonObject)old["metadata"]!;
                meta["uid"] = oldMeta["uid"]?.DeepClone();
                meta["creationTimestamp"] = oldMeta["creationTimestamp"]?.DeepClone();
                if (oldMeta["generation"] is { } g && meta["generation"] is null)
                {
                    meta["generation"] = g.DeepClone();
                }
                meta["resourceVersion"] = oldMeta["resourceVersion"]?.DeepClone();
                Defaulter?.Invoke(def, body, old);
                if (old.ToJsonString() == body.ToJsonString())
                {
                    return Mutation.Unchanged();
                }
            }
            meta["resourceVersion"] = JsonUtil.Rv(nextRv());
            return Mutation.Put(StoredObject.FromNode(body));
        });
    }

    /// <summary>Builds a stored object directly (seeding), stamping identity fields.</summary>
    public StoredObject Seed(ResourceDef def, JsonObject body)
    {
        body["kind"] = def.Kind;
        body["apiVersion"] = def.ApiVersion;
        var meta = JsonUtil.Ensure(body, "metadata");
        meta["uid"] ??= Guid.NewGuid().ToString();
        meta["creationTimestamp"] ??= JsonUtil.Now();
        meta["resourceVersion"] = NextResourceVersion().ToString(CultureInfo.InvariantCulture);
        return StoredObject.FromNode(body);
    }
}
