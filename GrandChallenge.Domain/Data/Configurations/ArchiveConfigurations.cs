using GrandChallenge.Domain.Archives;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class ArchiveConfiguration : IEntityTypeConfiguration<Archive>
{
    public void Configure(EntityTypeBuilder<Archive> builder)
    {
        builder.Property(a => a.Title).HasMaxLength(Archive.MaxTitleLength);
        builder.Property(a => a.Slug).HasMaxLength(Archive.MaxSlugLength);
        builder.Property(a => a.Description).HasMaxLength(1024);
        builder.Property(a => a.LogoBlobKey).HasMaxLength(300);
        builder.Property(a => a.DeidentificationKey).HasMaxLength(64);
        builder.HasIndex(a => a.Slug).IsUnique();
        builder.HasIndex(a => a.Title);
        // Items keep their archive (grand-challenge.org: PROTECT); an archive is emptied before it is deleted.
        builder.HasMany(a => a.Items).WithOne(i => i.Archive).HasForeignKey(i => i.ArchiveId).OnDelete(DeleteBehavior.Restrict);
    }
}

public sealed class ArchiveItemConfiguration : IEntityTypeConfiguration<ArchiveItem>
{
    public void Configure(EntityTypeBuilder<ArchiveItem> builder)
    {
        builder.Property(i => i.Title).HasMaxLength(255);
        builder.HasIndex(i => new { i.ArchiveId, i.Created });
        builder.HasIndex(i => new { i.ArchiveId, i.Title });
        builder.HasMany(i => i.Values).WithOne(v => v.Item).HasForeignKey(v => v.ArchiveItemId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ArchiveItemValueConfiguration : IEntityTypeConfiguration<ArchiveItemValue>
{
    public void Configure(EntityTypeBuilder<ArchiveItemValue> builder)
    {
        builder.HasKey(v => new { v.ArchiveItemId, v.SocketId });
        builder.HasOne(v => v.Socket).WithMany().HasForeignKey(v => v.SocketId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(v => v.Value).WithMany().HasForeignKey(v => v.SocketValueId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(v => v.SocketValueId);
    }
}
