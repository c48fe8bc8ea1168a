using Microsoft.EntityFrameworkCore.Migrations;

namespace GrandChallenge.Domain.Data.Migrations;

/// <summary>Data moved by the algorithm migrations (the same SQL for every provider).</summary>
public static class AlgorithmUpgrades
{
    public const string WaitingJobMessage = "The platform was upgraded while this job waited for its uploads; start it again.";

    /// <summary>
    /// AlgorithmUploadsAndInferenceStage: an algorithm evaluation's inference stage leaves its job's Attempt for
    /// <c>Evaluations.InferenceStage</c>; jobs that were waiting for uploads kept their sessions in their inputs key, which
    /// cannot be parsed portably, so they end with a message to start them again.
    /// </summary>
    public static void MoveShortcutsToColumns(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            UPDATE "Evaluations" SET "InferenceStage" = (SELECT j."Attempt" FROM "ComponentJobs" j WHERE j."Id" = "Evaluations"."JobId")
            WHERE "JobId" IN (SELECT "Id" FROM "ComponentJobs" WHERE "Status" = 'ValidatingInputs')
              AND "SubmissionId" IN (SELECT "Id" FROM "Submissions" WHERE "AlgorithmImageId" IS NOT NULL);
            """);
        migrationBuilder.Sql("""
            UPDATE "ComponentJobs" SET "Attempt" = 0
            WHERE "Status" = 'ValidatingInputs' AND "Id" IN (SELECT "JobId" FROM "Evaluations");
            """);
        migrationBuilder.Sql($"""
            UPDATE "ComponentJobs" SET "Status" = 'Failed', "ErrorMessage" = '{WaitingJobMessage}'
            WHERE "Status" = 'ValidatingInputs' AND "Id" IN (SELECT "JobId" FROM "AlgorithmJobs" WHERE "InputsKey" LIKE 'pending:%');
            """);
        migrationBuilder.Sql("""
            UPDATE "AlgorithmJobs" SET "InputsKey" = '' WHERE "InputsKey" LIKE 'pending:%';
            """);
    }

    /// <summary>EvaluationAlgorithmJobs: every system job is linked to the evaluation that queued it.</summary>
    public static void LinkEvaluationJobs(MigrationBuilder migrationBuilder) =>
        migrationBuilder.Sql("""
            INSERT INTO "EvaluationAlgorithmJobs" ("EvaluationId", "JobId", "ArchiveItemId")
            SELECT "EvaluationId", "JobId", "ArchiveItemId" FROM "AlgorithmJobs" WHERE "EvaluationId" IS NOT NULL;
            """);
}
