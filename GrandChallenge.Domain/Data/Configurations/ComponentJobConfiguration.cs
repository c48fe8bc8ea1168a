using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrandChallenge.Domain.Data.Configurations;

public sealed class ComponentJobConfiguration : IEntityTypeConfiguration<ComponentJob>
{
    public void Configure(EntityTypeBuilder<ComponentJob> builder)
    {
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(32);
        builder.Property(j => j.Kind).HasConversion<string>().HasMaxLength(32);
        builder.Property(j => j.ImageReference).HasMaxLength(256);
        builder.Property(j => j.FairnessGroup).HasMaxLength(64);
        builder.Property(j => j.ErrorMessage).HasMaxLength(1024);
        builder.Property(j => j.ClaimToken).HasMaxLength(200);
        builder.Property(j => j.WorkerNode).HasMaxLength(200);
        builder.Property(j => j.OutputSocketIds).AsJson();
        builder.Property(j => j.ArchiveMounts).AsJson();
        builder.Property(j => j.DetailedErrors).AsJson();
        builder.HasIndex(j => new { j.Status, j.Created });
        builder.HasIndex(j => j.ClaimToken).IsUnique();
        builder.HasIndex(j => new { j.CreatorId, j.Status });
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(j => j.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<GrandChallenge.Domain.Containers.ContainerImage>().WithMany().HasForeignKey(j => j.ContainerImageId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(j => j.Values).WithOne().HasForeignKey(v => v.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ComponentJobValueConfiguration : IEntityTypeConfiguration<ComponentJobValue>
{
    public void Configure(EntityTypeBuilder<ComponentJobValue> builder)
    {
        // One value may be attached twice under different folders (two cases' equal JSON outputs given to one evaluation).
        builder.HasKey(v => new { v.JobId, v.SocketValueId, v.IsOutput, v.Prefix });
        builder.Property(v => v.Prefix).HasMaxLength(200);
    }
}
