using System.Text.Json;
using System.Text.Json.Serialization;

namespace ZoneLab.Metrics;

/// <summary>
/// Writes an index the model keeps in thousandths (as the kernel's <c>unusable_free_index</c> computes it, an integer
/// 0..1000) as the 0..1 value the report tables and <c>/sys/kernel/debug/extfrag/unusable_index</c> show (0.124), and reads it back.
/// </summary>
public sealed class PerMilleAsFractionConverter : JsonConverter<int>
{
    /// <inheritdoc/>
    public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => (int)Math.Round(reader.GetDouble() * 1000);

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteNumberValue(value / 1000m);
}
