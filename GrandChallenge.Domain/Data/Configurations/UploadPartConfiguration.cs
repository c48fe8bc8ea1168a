using GrandChallenge.Domain.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class UploadPartConfiguration : IEntityTypeConfiguration<UploadPart>
{
    public void Configure(EntityTypeBuilder<UploadPart> builder)
    {
        builder.Property(p => p.ETag).HasMaxLength(32);
        builder.HasIndex(p => new { p.UploadId, p.PartNumber }).IsUnique();
        builder.ToTable(t => t.HasCheckConstraint("CK_UploadPart_PartNumber", $"\"PartNumber\" BETWEEN 1 AND {UserUpload.MaxPartNumber}"));
    }
}
