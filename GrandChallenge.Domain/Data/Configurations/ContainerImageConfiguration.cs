using GrandChallenge.Domain.Containers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class ContainerImageConfiguration : IEntityTypeConfiguration<ContainerImage>
{
    public void Configure(EntityTypeBuilder<ContainerImage> builder)
    {
        builder.Property(i => i.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(i => i.BlobKey).HasMaxLength(300);
        builder.Property(i => i.Filename).HasMaxLength(ContainerImageService.MaxFilenameLength);
        builder.Property(i => i.ImageSha256).HasMaxLength(71);
        builder.Property(i => i.StatusMessage).HasMaxLength(2000);
        builder.Property(i => i.Comment).HasMaxLength(ContainerImageService.MaxCommentLength);
        builder.Ignore(i => i.IsExecutable);
        // Images outlive the account that uploaded them (grand-challenge.org: creator SET_NULL).
        builder.HasOne(i => i.Creator).WithMany().HasForeignKey(i => i.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(i => new { i.Kind, i.OwnerId, i.IsDesiredVersion });
        builder.HasIndex(i => new { i.Kind, i.OwnerId, i.ImageSha256 });
        builder.HasIndex(i => i.Created);
    }
}
