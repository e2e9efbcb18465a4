using System.Collections.Immutable;
using System.Threading.Channels;

namespace Kube.Access.Testing.Internal;

internal enum WatchEventType { Added, Modified, Deleted }

/// <summary>A change to one object; <see cref="Old"/> is the object before a modification.</summary>
internal sealed record WatchEvent(WatchEventType Type, StoredObject Object, StoredObject? Old, long ResourceVersion)
{
    public string TypeName => Type switch { WatchEventType.Added => "ADDED", WatchEventType.Modified => "MODIFIED", _ => "DELETED" };
}

/// <summary>An immutable view of a resource: its objects sorted by key and the resourceVersion of its last change.</summary>
internal sealed record StoreSnapshot(ImmutableSortedSet<StoredObject> Items, long ResourceVersion)
{
    /// <summary>The index of the first key greater than or equal to <paramref name="key"/>.</summary>
    public int LowerBound(string key)
    {
        var i = Items.IndexOf(new StoredObject(key));
        return i >= 0 ? i : ~i;
    }

    public bool TryGet(string key, out StoredObject obj)
    {
        if (Items.TryGetValue(new StoredObject(key), out var found))
        {
            obj = found;
            return true;
        }
        obj = null!;
        return false;
    }

    /// <summary>The objects of one namespace (or all, when <paramref name="ns"/> is null), from an optional start key.</summary>
    public IEnumerable<StoredObject> Range(string? ns, string? startAfterOrAt = null)
    {
        var prefix = ns is null ? null : ns + "/";
        var start = startAfterOrAt ?? prefix;
        var i = start is null ? 0 : LowerBound(start);
        var items = Items;
        for (; i < items.Count; i++)
        {
            var o = items[i];
            if (prefix is not null && !o.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield break;
            }
            yield return o;
        }
    }
}

internal sealed class KeyComparer : IComparer<StoredObject>
{
    public static readonly KeyComparer Instance = new();
    public int Compare(StoredObject? x, StoredObject? y) => string.CompareOrdinal(x!.Key, y!.Key);
}

/// <summary>What a mutation decided.</summary>
internal readonly record struct Mutation(StoredObject? Result, bool Delete, bool NoChange)
{
    public static Mutation Put(StoredObject o) => new(o, false, false);
    public static Mutation Remove() => new(null, true, false);
    public static Mutation Unchanged() => new(null, false, true);
}

/// <summary>A watcher registered on one resource.</summary>
internal sealed class Watcher
{
    public Watcher(string? ns, int capacity)
    {
        Namespace = ns;
        Channel = System.Threading.Channels.Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string? Namespace { get; }
    public Channel<WatchEvent> Channel { get; }
}

/// <summary>
/// The objects of one resource. Reads are lock-free snapshots; writes take a short lock that is never
/// held during I/O (fan-out to watchers uses non-blocking bounded channel writes).
/// </summary>
internal sealed class ResourceStore
{
    private readonly object _gate = new();
    private readonly EmulatorState _state;
    private readonly int _historyCapacity;
    private readonly int _watchCapacity;
    private readonly WatchEvent?[] _history;
    private int _historyStart;
    private int _historyCount;
    private long _evictedUpTo;
    private ImmutableArray<Watcher> _watchers = ImmutableArray<Watcher>.Empty;
    private volatile StoreSnapshot _snapshot;

    public ResourceStore(ResourceDef def, EmulatorState state, int historyCapacity, int watchCapacity)
    {
        Def = def;
        _state = state;
        _historyCapacity = Math.Max(16, historyCapacity);
        _watchCapacity = Math.Max(16, watchCapacity);
        _history = new WatchEvent?[_historyCapacity];
        _snapshot = new StoreSnapshot(ImmutableSortedSet.Create<StoredObject>(KeyComparer.Instance), 0);
    }

    public ResourceDef Def { get; }

    /// <summary>Raised after each committed change, outside the store's lock.</summary>
    public event Action<ResourceStore, WatchEvent>? Changed;

    public StoreSnapshot Snapshot => _snapshot;

    public int Count => _snapshot.Items.Count;

    public bool TryGet(string ns, string name, out StoredObject obj) => _snapshot.TryGet(StoredObject.MakeKey(ns, name), out obj);

    /// <summary>Loads many objects at once (seeding); no events, no watchers.</summary>
    public void BulkLoad(IEnumerable<StoredObject> objects)
    {
        lock (_gate)
        {
            var builder = _snapshot.Items.ToBuilder();
            foreach (var o in objects)
            {
                builder.Remove(o);
                builder.Add(o);
            }
            _snapshot = new StoreSnapshot(builder.ToImmutable(), _state.CurrentResourceVersion);
        }
    }

    /// <summary>
    /// Atomically reads the object at <paramref name="key"/> and applies what <paramref name="decide"/> returns.
    /// <paramref name="decide"/> gets the current object (or null) and the resourceVersion to stamp (allocated lazily).
    /// It may throw <see cref="ApiException"/>; nothing is changed then.
    /// </summary>
    public StoredObject? Mutate(string key, Func<StoredObject?, Func<long>, Mutation> decide)
    {
        WatchEvent? evt = null;
        StoredObject? result;
        lock (_gate)
        {
            var snap = _snapshot;
            var current = snap.TryGet(key, out var found) ? found : null;
            long rv = 0;
            long NextRv() => rv != 0 ? rv : (rv = _state.NextResourceVersion());
            var m = decide(current, NextRv);
            if (m.NoChange)
            {
                return current;
            }
            if (m.Delete)
            {
                if (current is null)
                {
                    return null;
                }
                var items = snap.Items.Remove(current);
                var deleted = m.Result ?? current;
                var drv = NextRv();
                _snapshot = new StoreSnapshot(items, drv);
                evt = new WatchEvent(WatchEventType.Deleted, deleted, current, drv);
                result = deleted;
            }
            else
            {
                var o = m.Result!;
                var items = current is null ? snap.Items.Add(o) : snap.Items.Remove(current).Add(o);
                _snapshot = new StoreSnapshot(items, o.ResourceVersion);
                evt = new WatchEvent(current is null ? WatchEventType.Added : WatchEventType.Modified, o, current, o.ResourceVersion);
                result = o;
            }
            Record(evt);
            foreach (var w in _watchers)
            {
                if (w.Namespace is null || w.Namespace == evt.Object.Namespace)
                {
                    if (!w.Channel.Writer.TryWrite(evt))
                    {
                        // A watcher this far behind is closed, as the apiserver closes slow watchers; the client re-lists.
                        w.Channel.Writer.TryComplete(new WatcherOverflowException());
                    }
                }
            }
        }
        Changed?.Invoke(this, evt);
        return result;
    }

    private void Record(WatchEvent evt)
    {
        if (_historyCount == _historyCapacity)
        {
            _evictedUpTo = _history[_historyStart]!.ResourceVersion;
            _history[_historyStart] = evt;
            _historyStart = (_historyStart + 1) % _historyCapacity;
        }
        else
        {
            _history[(_historyStart + _historyCount) % _historyCapacity] = evt;
            _historyCount++;
        }
    }

    /// <summary>
    /// Registers a watcher. With <paramref name="fromResourceVersion"/> null, the current objects are
    /// returned as the initial state; otherwise the recorded events after that version are replayed.
    /// Returns false when the version is older than the history kept (410 Gone).
    /// </summary>
    public bool Watch(string? ns, long? fromResourceVersion, out Watcher watcher, out IReadOnlyList<WatchEvent> initial, out long oldest)
    {
        watcher = new Watcher(ns, _watchCapacity);
        lock (_gate)
        {
            oldest = _evictedUpTo;
            if (fromResourceVersion is long from)
            {
                if (from < _evictedUpTo)
                {
                    initial = [];
                    return false;
                }
                var replay = new List<WatchEvent>();
                for (var i = 0; i < _historyCount; i++)
                {
                    var e = _history[(_historyStart + i) % _historyCapacity]!;
                    if (e.ResourceVersion > from && (ns is null || e.Object.Namespace == ns))
                    {
                        replay.Add(e);
                    }
                }
                initial = replay;
            }
            else
            {
                var snap = _snapshot;
                var list = new List<WatchEvent>();
                foreach (var o in snap.Range(ns))
                {
                    list.Add(new WatchEvent(WatchEventType.Added, o, null, o.ResourceVersion));
                }
                initial = list;
            }
            _watchers = _watchers.Add(watcher);
        }
        return true;
    }

    public void Unwatch(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers = _watchers.Remove(watcher);
        }
        watcher.Channel.Writer.TryComplete();
    }

    public void CloseWatchers()
    {
        lock (_gate)
        {
            foreach (var w in _watchers)
            {
                w.Channel.Writer.TryComplete();
            }
            _watchers = ImmutableArray<Watcher>.Empty;
        }
    }
}

internal sealed class WatcherOverflowException : Exception
{
    public WatcherOverflowException() : base("watch channel overflowed") { }
}
