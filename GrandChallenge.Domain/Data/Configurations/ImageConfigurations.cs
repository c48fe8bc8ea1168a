using System.Text.Json;
using GrandChallenge.Domain.Cases;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class ImageConfiguration : IEntityTypeConfiguration<Image>
{
    public void Configure(EntityTypeBuilder<Image> builder)
    {
        builder.Property(i => i.Name).HasMaxLength(Image.MaxNameLength);
        builder.Property(i => i.PixelType).HasMaxLength(16);
        builder.Property(i => i.ColorSpace).HasMaxLength(8);
        builder.Property(i => i.Modality).HasMaxLength(16);
        builder.Property(i => i.PatientId).HasMaxLength(64);
        builder.Property(i => i.PatientName).HasMaxLength(324);
        builder.Property(i => i.PatientBirthDate).HasMaxLength(16);
        builder.Property(i => i.PatientAge).HasMaxLength(4);
        builder.Property(i => i.PatientSex).HasMaxLength(1);
        builder.Property(i => i.StudyDate).HasMaxLength(16);
        builder.Property(i => i.StudyInstanceUid).HasMaxLength(64);
        builder.Property(i => i.SeriesInstanceUid).HasMaxLength(64);
        builder.Property(i => i.StudyDescription).HasMaxLength(64);
        builder.Property(i => i.SeriesDescription).HasMaxLength(64);
        builder.Property(i => i.Geometry).AsJson();
        builder.Property(i => i.Segments)
            .HasConversion(
                v => v == null ? null : JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => v == null ? null : JsonSerializer.Deserialize<List<int>>(v, JsonSerializerOptions.Default))
            .Metadata.SetValueComparer(new ValueComparer<List<int>?>(
                (a, b) => a == null ? b == null : b != null && a.SequenceEqual(b),
                v => v == null ? 0 : v.Aggregate(17, (h, x) => (h * 31) + x),
                v => v == null ? null : v.ToList()));
        // Images outlive the session that imported them (grand-challenge.org: origin SET_NULL).
        builder.HasOne(i => i.Origin).WithMany(s => s.Images).HasForeignKey(i => i.OriginId).OnDelete(DeleteBehavior.SetNull);
        builder.HasMany(i => i.Files).WithOne(f => f.Image).HasForeignKey(f => f.ImageId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(i => i.Name);
        builder.HasIndex(i => i.Created);
        builder.HasIndex(i => i.PatientId);
        builder.HasIndex(i => i.StudyInstanceUid);
    }
}

public sealed class ImageFileConfiguration : IEntityTypeConfiguration<ImageFile>
{
    public void Configure(EntityTypeBuilder<ImageFile> builder)
    {
        builder.Property(f => f.ImageType).HasConversion<string>().HasMaxLength(16);
        builder.Property(f => f.FileName).HasMaxLength(255);
        builder.Property(f => f.Sha256).HasMaxLength(64);
        builder.Ignore(f => f.BlobKey);
    }
}

public sealed class UploadSessionConfiguration : IEntityTypeConfiguration<UploadSession>
{
    public void Configure(EntityTypeBuilder<UploadSession> builder)
    {
        builder.Property(s => s.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.ErrorMessage).HasMaxLength(2000);
        builder.Property(s => s.Files).AsJson();
        builder.Property(s => s.FileErrors).AsJson();
        builder.Property(s => s.ConsumedFiles).AsJson();
        builder.Ignore(s => s.IsFinished);
        builder.HasOne(s => s.Creator).WithMany().HasForeignKey(s => s.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(s => new { s.Status, s.Created });
        builder.HasIndex(s => s.CreatorId);
    }
}
