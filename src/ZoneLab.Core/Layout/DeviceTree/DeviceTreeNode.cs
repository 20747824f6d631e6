namespace ZoneLab.Layout.DeviceTree;

/// <summary>
/// A node of a device tree: name (with unit address), properties in blob order, children in blob order.
/// Cell counts and availability follow drivers/of (of_bus_n_addr_cells, of_device_is_available).
/// </summary>
public sealed class DeviceTreeNode
{
    /// <summary>OF_ROOT_NODE_ADDR_CELLS_DEFAULT.</summary>
    public const int RootAddressCellsDefault = 1;

    /// <summary>OF_ROOT_NODE_SIZE_CELLS_DEFAULT.</summary>
    public const int RootSizeCellsDefault = 1;

    private readonly List<DeviceTreeProperty> _properties = new();
    private readonly List<DeviceTreeNode> _children = new();

    public DeviceTreeNode(string name, DeviceTreeNode? parent, long offset)
    {
        Name = name;
        Parent = parent;
        Offset = offset;
    }

    /// <summary>Node name as in the blob, e.g. <c>memory@40000000</c> (empty for the root).</summary>
    public string Name { get; }

    /// <summary>The name without the unit address (<c>memory</c>).</summary>
    public string BaseName => Name.Contains('@') ? Name[..Name.IndexOf('@')] : Name;

    /// <summary>The unit address after '@', or null.</summary>
    public string? UnitAddress => Name.Contains('@') ? Name[(Name.IndexOf('@') + 1)..] : null;

    /// <summary>The parent node (null for the root).</summary>
    public DeviceTreeNode? Parent { get; }

    /// <summary>Byte offset of the node's FDT_BEGIN_NODE token (or -1 for a node read from a directory).</summary>
    public long Offset { get; }

    /// <summary>Properties in blob order.</summary>
    public IReadOnlyList<DeviceTreeProperty> Properties => _properties;

    /// <summary>Children in blob order.</summary>
    public IReadOnlyList<DeviceTreeNode> Children => _children;

    /// <summary>Full path, e.g. <c>/reserved-memory/linux,cma</c>.</summary>
    public string Path => Parent == null ? "/" : (Parent.Parent == null ? "/" : Parent.Path + "/") + Name;

    internal void Add(DeviceTreeProperty p) => _properties.Add(p);

    internal void Add(DeviceTreeNode n) => _children.Add(n);

    /// <summary>The property named <paramref name="name"/> (the first one if repeated, as of_get_flat_dt_prop finds it), or null.</summary>
    public DeviceTreeProperty? Property(string name)
    {
        foreach (DeviceTreeProperty p in _properties)
        {
            if (p.Name == name)
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>True when the node has the property (boolean properties have empty values).</summary>
    public bool Has(string name) => Property(name) != null;

    /// <summary>The child named exactly <paramref name="name"/>, or null.</summary>
    public DeviceTreeNode? Child(string name) => _children.FirstOrDefault(c => c.Name == name);

    /// <summary>The <c>compatible</c> strings.</summary>
    public IReadOnlyList<string> Compatible => Property("compatible")?.AsStringList() ?? Array.Empty<string>();

    /// <summary>of_flat_dt_is_compatible(): one of the compatible strings equals <paramref name="compat"/> (case-insensitive, as of_compat_cmp).</summary>
    public bool IsCompatible(string compat) => Compatible.Any(c => string.Equals(c, compat, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// mirrors of_fdt_device_is_available(): no <c>status</c>, or <c>status</c> "okay" or "ok".
    /// </summary>
    public bool IsAvailable
    {
        get
        {
            DeviceTreeProperty? s = Property("status");
            if (s == null)
            {
                return true;
            }
            string? v = s.AsString();
            return v is "okay" or "ok";
        }
    }

    /// <summary>mirrors of_bus_n_addr_cells(): the first <c>#address-cells</c> found walking up from this node.</summary>
    public int BusAddressCells => BusCells("#address-cells", RootAddressCellsDefault);

    /// <summary>mirrors of_bus_n_size_cells().</summary>
    public int BusSizeCells => BusCells("#size-cells", RootSizeCellsDefault);

    /// <summary>mirrors of_n_addr_cells(): the address cells of this node's <c>reg</c> (its parent's bus).</summary>
    public int AddressCells => (Parent ?? this).BusAddressCells;

    /// <summary>mirrors of_n_size_cells().</summary>
    public int SizeCells => (Parent ?? this).BusSizeCells;

    private int BusCells(string name, int dflt)
    {
        for (DeviceTreeNode? n = this; n != null; n = n.Parent)
        {
            if (n.Property(name)?.AsU32() is uint v)
            {
                return (int)Math.Min(v, int.MaxValue);
            }
        }
        return dflt;
    }

    /// <summary>Nodes of the subtree, this one first, depth-first in blob order.</summary>
    public IEnumerable<DeviceTreeNode> Descendants()
    {
        var stack = new Stack<DeviceTreeNode>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            DeviceTreeNode n = stack.Pop();
            yield return n;
            for (int i = n._children.Count - 1; i >= 0; i--)
            {
                stack.Push(n._children[i]);
            }
        }
    }

    public override string ToString() => Path;
}
