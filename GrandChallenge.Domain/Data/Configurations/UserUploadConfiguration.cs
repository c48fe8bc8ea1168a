using GrandChallenge.Domain.Identity;
using GrandChallenge.Domain.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class UserUploadConfiguration : IEntityTypeConfiguration<UserUpload>
{
    public void Configure(EntityTypeBuilder<UserUpload> builder)
    {
        builder.Property(u => u.Filename).HasMaxLength(UserUpload.MaxFilenameLength);
        builder.Property(u => u.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(u => u.UploadKey).HasMaxLength(64);
        builder.Property(u => u.ExpectedSha256).HasMaxLength(64);
        builder.Property(u => u.Sha256).HasMaxLength(64);
        builder.Property(u => u.MimeType).HasMaxLength(100);
        builder.HasIndex(u => new { u.CreatorId, u.Created });
        builder.HasIndex(u => new { u.Status, u.Created });
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(u => u.CreatorId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(u => u.Parts).WithOne().HasForeignKey(p => p.UploadId).OnDelete(DeleteBehavior.Cascade);
    }
}
