using GrandChallenge.Domain.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class SocketConfiguration : IEntityTypeConfiguration<Socket>
{
    public void Configure(EntityTypeBuilder<Socket> builder)
    {
        builder.Property(s => s.Title).HasMaxLength(255);
        builder.Property(s => s.Slug).HasMaxLength(255);
        builder.Property(s => s.Kind).HasMaxLength(8);
        builder.Property(s => s.RelativePath).HasMaxLength(SocketRules.MaxRelativePathLength);
        builder.HasIndex(s => s.Title).IsUnique();
        builder.HasIndex(s => s.Slug).IsUnique();
        builder.HasIndex(s => s.RelativePath).IsUnique();
    }
}

public sealed class SocketValueConfiguration : IEntityTypeConfiguration<SocketValue>
{
    public void Configure(EntityTypeBuilder<SocketValue> builder)
    {
        builder.Property(v => v.ValueHash).HasMaxLength(64);
        builder.Property(v => v.FileName).HasMaxLength(255);
        builder.HasOne(v => v.Socket).WithMany().HasForeignKey(v => v.SocketId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(v => v.Image).WithMany().HasForeignKey(v => v.ImageId).OnDelete(DeleteBehavior.Restrict);

        // Unique per socket, so that two workers storing the same value at once end up sharing one row. NULLs do not
        // collide on any of the three providers (SQL Server's index gets an IS NOT NULL filter from EF).
        builder.HasIndex(v => new { v.SocketId, v.ValueHash }).IsUnique();
        builder.HasIndex(v => new { v.SocketId, v.ImageId }).IsUnique();

        builder.ToTable(t => t.HasCheckConstraint("CK_SocketValue_OneOfValueFileImage",
            "(CASE WHEN \"Value\" IS NULL THEN 0 ELSE 1 END) + (CASE WHEN \"FileName\" IS NULL THEN 0 ELSE 1 END)"
            + " + (CASE WHEN \"ImageId\" IS NULL THEN 0 ELSE 1 END) = 1"));

        // Values are immutable: EF refuses to save a change to any column of a stored value (it throws on SaveChanges).
        // It lives in the model, so every context — web, workers, tests, tools — enforces it without extra wiring.
        foreach (var property in new PropertyBuilder[]
                 {
                     builder.Property(v => v.SocketId), builder.Property(v => v.Value), builder.Property(v => v.ValueHash),
                     builder.Property(v => v.FileName), builder.Property(v => v.ImageId), builder.Property(v => v.SizeInStorage),
                     builder.Property(v => v.Created),
                 })
        {
            property.Metadata.SetAfterSaveBehavior(PropertySaveBehavior.Throw);
        }
    }
}
