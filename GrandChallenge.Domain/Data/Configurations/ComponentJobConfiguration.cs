using System.Text.Json;
using GrandChallenge.Domain.Components;
using GrandChallenge.Domain.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
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
        Json(builder.Property(j => j.OutputSocketIds));
        Json(builder.Property(j => j.ArchiveMounts));
        Json(builder.Property(j => j.DetailedErrors));
        builder.HasIndex(j => new { j.Status, j.Created });
        builder.HasIndex(j => j.ClaimToken).IsUnique();
        builder.HasIndex(j => new { j.CreatorId, j.Status });
        builder.HasOne<ApplicationUser>().WithMany().HasForeignKey(j => j.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<GrandChallenge.Domain.Containers.ContainerImage>().WithMany().HasForeignKey(j => j.ContainerImageId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(j => j.Values).WithOne().HasForeignKey(v => v.JobId).OnDelete(DeleteBehavior.Cascade);
    }

    /// <summary>Small lists stored as JSON text, compared by content so changes are detected.</summary>
    private static void Json<T>(PropertyBuilder<T> property) where T : class, new() =>
        property
            .HasConversion(
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default),
                v => JsonSerializer.Deserialize<T>(v, JsonSerializerOptions.Default) ?? new T())
            .Metadata.SetValueComparer(new ValueComparer<T>(
                (a, b) => JsonSerializer.Serialize(a, JsonSerializerOptions.Default) == JsonSerializer.Serialize(b, JsonSerializerOptions.Default),
                v => JsonSerializer.Serialize(v, JsonSerializerOptions.Default).GetHashCode(),
                v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, JsonSerializerOptions.Default), JsonSerializerOptions.Default)!));
}

public sealed class ComponentJobValueConfiguration : IEntityTypeConfiguration<ComponentJobValue>
{
    public void Configure(EntityTypeBuilder<ComponentJobValue> builder)
    {
        builder.HasKey(v => new { v.JobId, v.SocketValueId, v.IsOutput });
        builder.Property(v => v.Prefix).HasMaxLength(200);
    }
}
